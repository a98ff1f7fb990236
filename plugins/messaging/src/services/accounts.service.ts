import { ConflictError, defineAction, defineService, NotFoundError, Type, type ActionContext } from '@atrium/sdk';
import { CHANNEL_KINDS, type AdapterDescription, type SessionState } from '@atrium/sdk/messaging';
import { accountView, declarePollers, insertAccount, loadAccount, patchAccount, recordConnect, setAccountStatus, ACCOUNT_VIEW_COLUMNS, type AccountViewRow, type ConnectOutcome } from '../domain/accounts.ts';
import { ACCOUNT_COLUMNS, ADAPTER_KEY, callAdapter, sealedAccount, type AccountRow } from '../domain/adapters.ts';
import { messagingSettings, webhookUrl } from '../domain/settings.ts';

const SUBJECT = 'messaging.Account';
const Id = Type.String({ format: 'uuid' });
const AdapterKey = Type.String({ pattern: ADAPTER_KEY.source, maxLength: 30 });
const Channel = Type.Union(CHANNEL_KINDS.map((c) => Type.Literal(c)));
const Fields = Type.Record(Type.String({ maxLength: 60 }), Type.Unknown());
const Name = Type.String({ minLength: 1, maxLength: 120 });

type Sealed = { sealed: string | null; secretsSet: string[] };

/** Connects an account at its provider (no transaction held), then records the outcome in a short one. */
async function connect(ctx: ActionContext<any>, id: string) {
  const row = await ctx.call<AccountViewRow>('messaging.accounts.row', { id });
  const settings = await messagingSettings(ctx);
  let outcome: ConnectOutcome;
  try {
    const r = await callAdapter<Omit<Extract<ConnectOutcome, { ok: true }>, 'ok'>>(ctx, row.adapter, 'connect', { account: sealedAccount(row, webhookUrl(settings, ctx.tenantId, id)) });
    outcome = { ok: true, ...r };
  } catch (e: any) {
    outcome = { ok: false, code: e?.type ?? 'CHANNEL_UNAVAILABLE', message: String(e?.message ?? e) };
  }
  return ctx.call<ReturnType<typeof accountView> & { qr?: unknown }>('messaging.accounts.recordConnect', { id, outcome });
}

/**
 * Channel accounts: a bot, a WhatsApp number (Cloud API or WAHA), a page, a mailbox, an SMS
 * sender. Creating or changing one checks its settings with the adapter (which seals the secrets),
 * stores it, then connects it at the provider — with no transaction held while the provider is
 * called — and records the outcome (status, identity, webhook or polling, limits, or the error).
 */
export const accountsService = defineService({
  name: 'accounts',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      params: Type.Object({ channel: Type.Optional(Channel) }, { additionalProperties: false }),
      async handler(ctx) {
        const rows = await ctx.sql<AccountViewRow>(`select ${ACCOUNT_VIEW_COLUMNS} from messaging.account a where a.tenant_id = $1::uuid and ($2::text is null or a.channel = $2::text) order by a.channel, a.name`, [ctx.tenantId, ctx.params.channel ?? null]);
        const settings = await messagingSettings(ctx);
        return { items: rows.map((r) => accountView(r, settings, ctx.tenantId)), total: rows.length, publicBaseUrl: settings.publicBaseUrl ?? null };
      },
    }),
    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', SUBJECT],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        return accountView(await loadAccount(ctx, ctx.params.id), await messagingSettings(ctx), ctx.tenantId);
      },
    }),
    adapter: defineAction({
      rest: 'GET /adapters/:key',
      permission: ['read', SUBJECT],
      transaction: false,
      summary: 'What an adapter serves and the fields of its account form (plain and secret)',
      params: Type.Object({ key: AdapterKey }, { additionalProperties: false }),
      handler: (ctx) => callAdapter<AdapterDescription>(ctx, ctx.params.key, 'describe'),
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['manage', SUBJECT],
      status: 201,
      transaction: false,
      idempotent: true,
      summary: 'Connect a new channel account (secrets are sealed by the adapter and never returned)',
      params: Type.Object({
        adapter: AdapterKey, channel: Channel, name: Name, config: Type.Optional(Fields), secrets: Type.Optional(Fields), isDefault: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const desc = await callAdapter<AdapterDescription>(ctx, p.adapter, 'describe');
        if (!desc.channels.includes(p.channel)) throw new ConflictError(`${desc.displayName} does not serve ${p.channel}`, 'CHANNEL_NOT_SERVED', { field: 'channel', channels: desc.channels });
        const sealed = await callAdapter<Sealed>(ctx, p.adapter, 'seal', { config: p.config ?? {}, secrets: p.secrets ?? {} });
        const { id } = await ctx.call<{ id: string }>('messaging.accounts.insert', { fields: { adapter: p.adapter, channel: p.channel, name: p.name, config: p.config ?? {}, ...sealed, isDefault: !!p.isDefault } });
        ctx.audit.target(id);
        return connect(ctx, id);
      },
    }),
    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['manage', SUBJECT],
      transaction: false,
      summary: 'Change an account; secret fields left out keep their value, null clears one. Reconnects when settings changed',
      params: Type.Object({
        id: Id, version: Type.Integer({ minimum: 1 }), name: Type.Optional(Name), config: Type.Optional(Fields), secrets: Type.Optional(Fields), isDefault: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const row = await ctx.call<AccountViewRow>('messaging.accounts.row', { id: p.id });
        const changesConnection = p.config !== undefined || p.secrets !== undefined;
        const sealed = changesConnection ? await callAdapter<Sealed>(ctx, row.adapter, 'seal', { config: p.config ?? row.config, secrets: p.secrets ?? {}, previous: row.sealed }) : undefined;
        await ctx.call('messaging.accounts.patch', { id: p.id, version: p.version, fields: { name: p.name, config: p.config, isDefault: p.isDefault, ...(sealed ?? {}) } });
        if (changesConnection || row.status === 'error') return connect(ctx, p.id);
        return ctx.call('messaging.accounts.get', { id: p.id });
      },
    }),
    connect: defineAction({
      rest: 'POST /:id/connect',
      permission: ['manage', SUBJECT],
      transaction: false,
      summary: 'Test the connection (and register the webhook, or switch to polling, again)',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      handler: (ctx) => connect(ctx, ctx.params.id),
    }),
    disable: defineAction({
      rest: 'POST /:id/disable',
      permission: ['manage', SUBJECT],
      transaction: false,
      summary: 'Stop using an account: its webhook is removed at the provider; conversations are kept',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const row = await ctx.call<AccountViewRow>('messaging.accounts.row', { id: ctx.params.id });
        await callAdapter(ctx, row.adapter, 'disconnect', { account: sealedAccount(row, null) }).catch((e) => ctx.logger.warn({ err: e, accountId: row.id }, 'disconnecting at the provider failed'));
        return ctx.call('messaging.accounts.setDisabled', { id: row.id });
      },
    }),
    remove: defineAction({
      rest: 'DELETE /:id',
      permission: ['manage', SUBJECT],
      summary: 'Delete an account that never had a conversation (otherwise disable it)',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const [used] = await ctx.sql('select 1 from messaging.conversation where tenant_id = $1::uuid and account_id = $2::uuid limit 1', [ctx.tenantId, ctx.params.id]);
        if (used) throw new ConflictError('The account has conversations: disable it instead', 'ACCOUNT_IN_USE');
        const rows = await ctx.sql('delete from messaging.account where tenant_id = $1::uuid and id = $2::uuid returning id', [ctx.tenantId, ctx.params.id]);
        if (!rows.length) throw new NotFoundError('Channel account not found');
        await declarePollers(ctx);
        return { ok: true };
      },
    }),
    session: defineAction({
      rest: 'GET /:id/session',
      permission: ['manage', SUBJECT],
      transaction: false,
      summary: 'A session-based account\'s state and QR code to scan (WAHA)',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const row = await ctx.call<AccountViewRow>('messaging.accounts.row', { id: ctx.params.id });
        const state = await callAdapter<SessionState>(ctx, row.adapter, 'session', { account: sealedAccount(row, null) });
        // a session that became ready since: record it (and start receiving)
        if (state.status === 'connected' && row.status === 'pending') await connect(ctx, row.id);
        return state;
      },
    }),

    // ---- internal: the short transactions of the actions above, and reads for the ingress and pollers
    row: defineAction({
      permission: 'internal',
      mutates: false,
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      handler: (ctx) => loadAccount(ctx, ctx.params.id),
    }),
    ingress: defineAction({
      permission: 'internal',
      mutates: false,
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const [row] = await ctx.sql<AccountRow>(`select ${ACCOUNT_COLUMNS} from messaging.account a where a.tenant_id = $1::uuid and a.id = $2::uuid`, [ctx.tenantId, ctx.params.id]);
        return row ?? null;
      },
    }),
    insert: defineAction({
      permission: 'internal',
      params: Type.Object({ fields: Type.Object({}, { additionalProperties: true }) }, { additionalProperties: false }),
      async handler(ctx) {
        return { id: await insertAccount(ctx, ctx.params.fields as any) };
      },
    }),
    patch: defineAction({
      permission: 'internal',
      params: Type.Object({ id: Id, version: Type.Integer(), fields: Type.Object({}, { additionalProperties: true }) }, { additionalProperties: false }),
      async handler(ctx) {
        await patchAccount(ctx, ctx.params.id, ctx.params.version, ctx.params.fields as any);
        return { ok: true };
      },
    }),
    recordConnect: defineAction({
      permission: 'internal',
      params: Type.Object({ id: Id, outcome: Type.Object({}, { additionalProperties: true }) }, { additionalProperties: false }),
      async handler(ctx) {
        const o = ctx.params.outcome as unknown as ConnectOutcome;
        await recordConnect(ctx, ctx.params.id, o);
        const view = accountView(await loadAccount(ctx, ctx.params.id), await messagingSettings(ctx), ctx.tenantId);
        return o.ok && o.qr ? { ...view, qr: o.qr } : view;
      },
    }),
    setDisabled: defineAction({
      permission: 'internal',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        await setAccountStatus(ctx, ctx.params.id, 'disabled');
        return accountView(await loadAccount(ctx, ctx.params.id), await messagingSettings(ctx), ctx.tenantId);
      },
    }),
  },
});
