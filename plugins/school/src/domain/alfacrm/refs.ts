import crypto from 'node:crypto';
import type { RequestContext } from '@atrium/sdk';
import { hashOf } from './mapping.ts';

/**
 * What every import step shares: the map from AlfaCRM ids to ours (`school.external_ref`, with a hash
 * of what was taken from the record), the skip report, and `upsert` — known with the same hash →
 * nothing; known with another → update where the model may change; unknown → create.
 */

export type Ctx = Pick<RequestContext, 'sql' | 'tenantId' | 'user' | 'emit'>;
export type Outcome = 'created' | 'updated' | 'unchanged' | 'skipped';
export type Rec = Record<string, unknown> & { id: number };

export type StepEnv = {
  runId: string;
  digits: number;
  currency: string;
  tz: string;
  today: string;
  /** Whole lists a step declared in `needs` (lesson types, pay accounts, a branch's weekly schedules), fetched before its transaction. */
  lookup(model: string, branch: number | null): Promise<Rec[]>;
  count(model: string, outcome: Outcome): void;
};

/**
 * One model of AlfaCRM: its index (global or per branch, with filters), the lists it needs whole,
 * and how a page of it is written here.
 */
export type Step = {
  key: string;
  model: string;
  scope: 'global' | 'branch';
  filters?: Record<string, unknown>;
  needs?: string[];
  apply(tx: Ctx, env: StepEnv, items: Rec[], branch: number | null): Promise<void>;
};

export async function refOf(tx: Ctx, model: string, ext: number | string | null | undefined): Promise<{ local_id: string; hash: string } | null> {
  if (ext === null || ext === undefined || ext === '') return null;
  const [r] = await tx.sql<{ local_id: string; hash: string }>(`select local_id, hash from school.external_ref where tenant_id = $1::uuid and source = 'alfacrm' and model = $2::text and external_id = $3::text`, [tx.tenantId, model, String(ext)]);
  return r ?? null;
}
export const localOf = async (tx: Ctx, model: string, ext: unknown) => (await refOf(tx, model, ext as number))?.local_id ?? null;

export async function saveRef(tx: Ctx, model: string, ext: number | string, localId: string, hash: string) {
  await tx.sql(
    `insert into school.external_ref (tenant_id, source, model, external_id, local_id, hash) values ($1::uuid, 'alfacrm', $2::text, $3::text, $4::uuid, $5::text)
     on conflict (tenant_id, source, model, external_id) do update set local_id = excluded.local_id, hash = excluded.hash, updated_at = now()`,
    [tx.tenantId, model, String(ext), localId, hash],
  );
}

export async function skip(tx: Ctx, env: StepEnv, model: string, ext: number | string | null, reason: string, detail?: string) {
  await tx.sql(`insert into school.import_skip (tenant_id, run_id, model, external_id, reason, detail) values ($1::uuid, $2::uuid, $3::text, $4::text, $5::text, $6::text) on conflict do nothing`,
    [tx.tenantId, env.runId, model, ext === null ? null : String(ext), reason, detail?.slice(0, 500) ?? null]);
  env.count(model, 'skipped');
}

/**
 * The core of every step: known with the same hash → nothing; known with another → `update` (if the
 * model may change) and the new hash; unknown → `create` and remember it.
 */
export async function upsert(tx: Ctx, env: StepEnv, model: string, ext: number | string, value: unknown, create: () => Promise<string | null>, update?: (localId: string) => Promise<void>) {
  const hash = hashOf(value);
  const known = await refOf(tx, model, ext);
  if (known && known.hash === hash) return env.count(model, 'unchanged');
  if (known) {
    if (update) {
      await update(known.local_id);
      await saveRef(tx, model, ext, known.local_id, hash);
      return env.count(model, 'updated');
    }
    return env.count(model, 'unchanged');
  }
  const localId = await create();
  if (!localId) return;
  await saveRef(tx, model, ext, localId, hash);
  env.count(model, 'created');
}

/** A row found by name (lists people keep in both systems), else made. */
export async function byName(tx: Ctx, table: string, name: string, insert: string, params: unknown[]): Promise<string> {
  const [found] = await tx.sql<{ id: string }>(`select id from ${table} where tenant_id = $1::uuid and lower(name) = lower($2::text) limit 1`, [tx.tenantId, name]);
  if (found) return found.id;
  const id = crypto.randomUUID();
  await tx.sql(insert, [tx.tenantId, id, name, ...params]);
  return id;
}

