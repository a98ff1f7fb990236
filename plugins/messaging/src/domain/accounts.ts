import crypto from 'node:crypto';
import { ConflictError, NotFoundError, type RequestContext } from '@atrium/sdk';
import type { ChannelLimits } from '@atrium/sdk/messaging';
import { ingressAccounts } from './account-cache.ts';
import { ACCOUNT_COLUMNS, type AccountRow } from './adapters.ts';
import { pushAccounts } from './live.ts';
import { webhookUrl, type MessagingSettings } from './settings.ts';

export const ACCOUNT_VIEW_COLUMNS = `${ACCOUNT_COLUMNS}, a.secrets_set, a.identity, a.note, a.last_error, a.last_error_at, a.connected_at, a.polled_at, a.is_default,
  a.created_at, a.updated_at, a.version`;

export type AccountViewRow = AccountRow & {
  secrets_set: string[]; identity: Record<string, unknown>; note: string | null; last_error: string | null; last_error_at: Date | null; connected_at: Date | null;
  polled_at: Date | null; is_default: boolean; created_at: Date; updated_at: Date; version: number;
};

/** An account as the API shows it: never its sealed secrets, only which secret fields are set. */
export function accountView(r: AccountViewRow, settings: Pick<MessagingSettings, 'publicBaseUrl'>, tenantId: string) {
  return {
    id: r.id, adapter: r.adapter, channel: r.channel, name: r.name, config: r.config, secretsSet: r.secrets_set, status: r.status, inbound: r.inbound,
    identity: r.identity, note: r.note, lastError: r.last_error, lastErrorAt: r.last_error_at, connectedAt: r.connected_at, polledAt: r.polled_at,
    isDefault: r.is_default, limits: r.limits, webhookUrl: webhookUrl(settings, tenantId, r.id), createdAt: r.created_at, updatedAt: r.updated_at, version: r.version,
  };
}

export async function loadAccount(ctx: RequestContext, id: string, lock = false): Promise<AccountViewRow> {
  const [row] = await ctx.sql<AccountViewRow>(`select ${ACCOUNT_VIEW_COLUMNS} from messaging.account a where a.tenant_id = $1::uuid and a.id = $2::uuid${lock ? ' for update' : ''}`, [ctx.tenantId, id]);
  if (!row) throw new NotFoundError('Channel account not found');
  return row;
}

export type AccountFields = { adapter: string; channel: string; name: string; config: Record<string, unknown>; sealed: string | null; secretsSet: string[]; isDefault: boolean };

/** Makes the account the default of its channel (and no other), in the caller's transaction. */
async function setDefault(ctx: RequestContext, id: string, channel: string): Promise<void> {
  await ctx.sql('update messaging.account set is_default = false where tenant_id = $1::uuid and channel = $2::text and is_default and id <> $3::uuid', [ctx.tenantId, channel, id]);
  await ctx.sql('update messaging.account set is_default = true where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, id]);
}

export async function insertAccount(ctx: RequestContext, f: AccountFields): Promise<string> {
  const id = crypto.randomUUID();
  const [dup] = await ctx.sql('select 1 from messaging.account where tenant_id = $1::uuid and lower(name) = lower($2::text)', [ctx.tenantId, f.name]);
  if (dup) throw new ConflictError(`An account named "${f.name}" already exists`, 'ACCOUNT_NAME_TAKEN', { field: 'name' });
  await ctx.sql(
    `insert into messaging.account (tenant_id, id, adapter, channel, name, config, sealed, secrets_set) values ($1::uuid, $2::uuid, $3::text, $4::text, $5::text, $6::jsonb, $7::text, $8::text[])`,
    [ctx.tenantId, id, f.adapter, f.channel, f.name.trim(), JSON.stringify(f.config), f.sealed, f.secretsSet],
  );
  const [others] = await ctx.sql<{ n: number }>('select count(*)::int as n from messaging.account where tenant_id = $1::uuid and channel = $2::text and is_default', [ctx.tenantId, f.channel]);
  if (f.isDefault || !others!.n) await setDefault(ctx, id, f.channel);
  return id;
}

export async function patchAccount(ctx: RequestContext, id: string, version: number, f: Partial<AccountFields>): Promise<void> {
  const row = await loadAccount(ctx, id, true);
  if (row.version !== version) throw new ConflictError('The account was changed by someone else: reload it', 'VERSION_CONFLICT', { version: row.version });
  if (f.name && f.name.trim().toLowerCase() !== row.name.toLowerCase()) {
    const [dup] = await ctx.sql('select 1 from messaging.account where tenant_id = $1::uuid and lower(name) = lower($2::text) and id <> $3::uuid', [ctx.tenantId, f.name, id]);
    if (dup) throw new ConflictError(`An account named "${f.name}" already exists`, 'ACCOUNT_NAME_TAKEN', { field: 'name' });
  }
  await ctx.sql(
    `update messaging.account set name = coalesce($3::text, name), config = coalesce($4::jsonb, config), sealed = case when $5::boolean then $6::text else sealed end,
       secrets_set = coalesce($7::text[], secrets_set), updated_at = now(), version = version + 1 where tenant_id = $1::uuid and id = $2::uuid`,
    [ctx.tenantId, id, f.name?.trim() ?? null, f.config ? JSON.stringify(f.config) : null, f.sealed !== undefined, f.sealed ?? null, f.secretsSet ?? null],
  );
  if (f.isDefault) await setDefault(ctx, id, row.channel);
  ingressAccounts.drop(ctx.tenantId, id);
}

export type ConnectOutcome =
  | { ok: true; status: 'connected' | 'pending'; inbound: 'webhook' | 'polling' | 'none'; identity?: Record<string, unknown>; note?: string; limits: ChannelLimits; sealed?: string; qr?: unknown }
  | { ok: false; message: string; code: string };

/** Records what connecting the account answered, then re-declares which accounts poll. */
export async function recordConnect(ctx: RequestContext, id: string, o: ConnectOutcome): Promise<void> {
  if (o.ok) {
    await ctx.sql(
      `update messaging.account set status = $3::text, inbound = $4::text, identity = $5::jsonb, note = $6::text, limits = $7::jsonb, sealed = coalesce($8::text, sealed),
         connected_at = case when $3::text = 'connected' then now() else connected_at end, last_error = null, last_error_at = null,
         poll_cursor = case when $4::text = 'polling' then poll_cursor else null end, updated_at = now(), version = version + 1
       where tenant_id = $1::uuid and id = $2::uuid`,
      [ctx.tenantId, id, o.status, o.inbound, JSON.stringify(o.identity ?? {}), o.note ?? null, JSON.stringify(o.limits), o.sealed ?? null],
    );
  } else {
    await ctx.sql(
      `update messaging.account set status = 'error', last_error = $3::text, last_error_at = now(), updated_at = now(), version = version + 1 where tenant_id = $1::uuid and id = $2::uuid`,
      [ctx.tenantId, id, `${o.code}: ${o.message}`.slice(0, 2000)],
    );
  }
  ingressAccounts.drop(ctx.tenantId, id);
  await declarePollers(ctx);
  pushAccounts(ctx, [id]);
}

export async function setAccountStatus(ctx: RequestContext, id: string, status: 'disabled'): Promise<void> {
  await ctx.sql(`update messaging.account set status = $3::text, is_default = false, updated_at = now(), version = version + 1 where tenant_id = $1::uuid and id = $2::uuid`, [ctx.tenantId, id, status]);
  ingressAccounts.drop(ctx.tenantId, id);
  await declarePollers(ctx);
  pushAccounts(ctx, [id]);
}

/** The accounts that receive by polling (Telegram without a public URL, IMAP): one worker unit each. */
export async function declarePollers(ctx: RequestContext): Promise<string[]> {
  const rows = await ctx.sql<{ id: string }>(`select id from messaging.account where tenant_id = $1::uuid and inbound = 'polling' and status = 'connected' order by id`, [ctx.tenantId]);
  const ids = rows.map((r) => r.id);
  ctx.workers.set('poller', ids);
  return ids;
}
