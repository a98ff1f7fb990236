import crypto from 'node:crypto';
import { ConflictError, UnprocessableError, type RequestContext, type TenantHookContext } from '@atrium/sdk';
import type { KernelDeps } from '../kernel-deps.ts';
import type { LoadedPlugin } from './plugin-registry.ts';
import { loadPluginSettings } from './plugin-settings.ts';
import { storeFile } from '../files/store-file.ts';

/**
 * A plugin's state in a tenant, as every node and the plugin manager see it:
 * disabled → enabling → enabled → disabling → disabled → purging → purged; failed (with its reason)
 * when an enable or disable hook or a purge fails. Each change runs in steps others can see:
 * a short transaction claims the row and commits the in-between state (`enabling`, `disabling`,
 * `purging`), the work runs holding the row (so a second request for the same plugin is told it is
 * busy), and its end — or its failure, with the reason — is committed. A purge is a job: it
 * exports, then deletes in batches, keeping its progress on the row.
 */
export type TenantPluginState = 'disabled' | 'enabling' | 'enabled' | 'disabling' | 'purging' | 'purged' | 'failed';

type Em = { execute(sql: string, params?: unknown[]): Promise<any[]> };
export type TenantPluginRow = {
  state: TenantPluginState;
  settings: Record<string, unknown>;
  secrets: string | null;
  grants_applied: boolean;
  error: string | null;
  progress: number | null;
  export_file_id: string | null;
};

const BATCH = 2000;
export const PURGE_JOB = 'plugins.runPurge';

/** The row, locked for this transaction; a row another transaction holds (work in progress) is a 409. */
async function lockRow(em: Em, pluginId: string): Promise<TenantPluginRow | undefined> {
  try {
    const [row] = await em.execute('select * from kernel.tenant_plugin where plugin_id = ? for update nowait', [pluginId]);
    return row;
  } catch (e: any) {
    if ((e?.code ?? e?.cause?.code) === '55P03') throw new ConflictError(`"${pluginId}" is changing right now (being enabled, disabled or purged); try again when it is done`, 'PLUGIN_BUSY', { plugin: pluginId });
    throw e;
  }
}

/** The row, locked for this transaction, waiting for whoever holds it (the work step: concurrent takers run one after the other). */
async function lockRowWaiting(em: Em, pluginId: string): Promise<TenantPluginRow | undefined> {
  const [row] = await em.execute('select * from kernel.tenant_plugin where plugin_id = ? for update', [pluginId]);
  return row;
}

async function enabledSet(em: Em): Promise<Set<string>> {
  const rows = await em.execute(`select plugin_id from kernel.tenant_plugin where state = 'enabled'`);
  return new Set(rows.map((r: any) => r.plugin_id));
}

function hookCtx(d: KernelDeps, tenantId: string, em: any, p: LoadedPlugin): TenantHookContext {
  return {
    tenantId,
    em,
    logger: d.logger.child({ plugin: p.id, tenantId }),
    settings: async <T>() => (await loadPluginSettings(d, em, tenantId, p.id)) as T,
  };
}

/** Every node's gate and abilities follow a committed change within a second. */
export function announce(d: KernelDeps, tenantId: string, pluginId: string, state: TenantPluginState): void {
  d.gate.invalidate(tenantId);
  d.abilities.invalidate(tenantId);
  d.broker.broadcast('atrium.plugins.changed', { tenantId, pluginId, state });
}

/** Appends the plugin's default grants to the tenant's roles (creating plugin-specific roles). */
async function applyGrants(em: Em, tenantId: string, p: LoadedPlugin) {
  for (const [role, grants] of Object.entries(p.manifest.permissions?.grants ?? {})) {
    const tagged = grants.map((g) => ({ ...g, reason: `plugin:${p.id}` }));
    const [existing] = await em.execute('select id from kernel.role where name = ?', [role]);
    if (existing) await em.execute(`update kernel.role set rules = rules || ?::jsonb, version = version + 1, updated_at = now() where id = ?`, [JSON.stringify(tagged), existing.id]);
    else await em.execute('insert into kernel.role (tenant_id, id, name, built_in, rules) values (?, ?, ?, false, ?)', [tenantId, crypto.randomUUID(), role, JSON.stringify(tagged)]);
  }
}

const reasonOf = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 1000);

/**
 * Commits `to` (enabling/disabling), then runs `work` holding the row and commits `done` — or, when
 * the work fails, commits `failed` with the reason and answers 422 naming it. `check` runs in the
 * claim (dependencies, settings): a refusal there changes nothing.
 */
async function change(
  d: KernelDeps,
  req: RequestContext,
  p: LoadedPlugin,
  o: {
    from: readonly (TenantPluginState | undefined)[];
    to: 'enabling' | 'disabling';
    done: 'enabled' | 'disabled';
    check(em: Em, row: TenantPluginRow | undefined): Promise<void>;
    work(em: any, row: TenantPluginRow): Promise<string>;
  },
): Promise<{ before: TenantPluginState; row: TenantPluginRow }> {
  const tenantId = req.tenantId;
  const claimed = await req.transaction(async (tx) => {
    const row = await lockRow(tx.em, p.id);
    if (row?.state === o.done) return { already: true as const, row: row as TenantPluginRow };
    // an in-between state with nobody holding the row is an attempt that died: take it over
    if (!o.from.includes(row?.state) && row?.state !== o.to) {
      throw new ConflictError(`"${p.id}" is ${row?.state ?? 'disabled'} here: it cannot be ${o.done} now`, 'PLUGIN_STATE', { plugin: p.id, state: row?.state ?? 'disabled' });
    }
    await o.check(tx.em, row);
    await tx.em.execute(`insert into kernel.tenant_plugin (tenant_id, plugin_id, state) values (?, ?, ?)
      on conflict (tenant_id, plugin_id) do update set state = excluded.state, error = null, progress = null, updated_at = now()`, [tenantId, p.id, o.to]);
    return { already: false as const, before: (row?.state ?? 'disabled') as TenantPluginState };
  });
  if (claimed.already) return { before: o.done, row: claimed.row };
  // disabling takes effect at once: the gate treats anything but `enabled` as off
  if (o.to === 'disabling') announce(d, tenantId, p.id, o.to);
  try {
    const row = await req.transaction(async (tx) => {
      const locked = (await lockRowWaiting(tx.em, p.id))!;
      if (locked.state === o.done) return locked;
      const sets = await o.work(tx.em, locked);
      const [after] = await tx.em.execute(`update kernel.tenant_plugin set state = ?, ${sets}updated_at = now() where plugin_id = ? returning *`, [o.done, p.id]);
      return after as TenantPluginRow;
    });
    announce(d, tenantId, p.id, o.done);
    return { before: claimed.before, row };
  } catch (e) {
    const reason = reasonOf(e);
    await req.transaction(async (tx) => {
      await tx.em.execute(`update kernel.tenant_plugin set state = 'failed', error = ?, updated_at = now() where plugin_id = ? and state = ?`, [reason, p.id, o.to]);
    });
    announce(d, tenantId, p.id, 'failed');
    d.logger.warn({ plugin: p.id, tenantId, err: reason }, `${o.to} failed`);
    if ((e as any)?.type === 'PLUGIN_BUSY') throw e;
    throw new UnprocessableError(`${o.to === 'enabling' ? 'Enabling' : 'Disabling'} "${p.id}" failed: ${reason}`, o.to === 'enabling' ? 'PLUGIN_ENABLE_FAILED' : 'PLUGIN_DISABLE_FAILED', { plugin: p.id, reason });
  }
}

export function enablePlugin(d: KernelDeps, req: RequestContext, p: LoadedPlugin, validateSettings: (row: TenantPluginRow | undefined) => void) {
  return change(d, req, p, {
    from: [undefined, 'disabled', 'purged', 'failed'],
    to: 'enabling',
    done: 'enabled',
    async check(em, row) {
      const unmet = d.registry.unmetDependencies(p.id, await enabledSet(em));
      if (unmet.length) throw new ConflictError(`Cannot enable "${p.id}": ${unmet.map((u) => u.reason).join('; ')}`, 'DEPENDENCY_MISSING', { plugin: p.id, plugins: unmet.map((u) => u.plugin), reasons: unmet });
      validateSettings(row);
    },
    async work(em, row) {
      if (!row.grants_applied) await applyGrants(em, req.tenantId, p);
      await p.definition.onTenantEnable?.(hookCtx(d, req.tenantId, em, p));
      return 'grants_applied = true, enabled_at = now(), ';
    },
  });
}

export function disablePlugin(d: KernelDeps, req: RequestContext, p: LoadedPlugin) {
  return change(d, req, p, {
    from: ['enabled', 'failed'],
    to: 'disabling',
    done: 'disabled',
    async check(em) {
      const dependents = d.registry.enabledDependents(p.id, await enabledSet(em));
      if (dependents.length) {
        throw new ConflictError(`Cannot disable "${p.id}" while ${dependents.map((x) => `"${x}"`).join(', ')} ${dependents.length > 1 ? 'depend' : 'depends'} on it; disable ${dependents.length > 1 ? 'them' : 'it'} first`, 'DEPENDENTS_ENABLED', { plugin: p.id, plugins: dependents });
      }
    },
    async work(em) {
      await p.definition.onTenantDisable?.(hookCtx(d, req.tenantId, em, p));
      return 'disabled_at = now(), ';
    },
  });
}

/** Commits `purging` and queues the purge job; the state, its progress and its end are on the row. */
export async function startPurge(d: KernelDeps, req: RequestContext, p: LoadedPlugin): Promise<{ before: TenantPluginState; row: TenantPluginRow }> {
  const out = await req.transaction(async (tx) => {
    const row = await lockRow(tx.em, p.id);
    if (row?.state === 'purging') return { before: 'purging' as const, row, queued: false };
    if (row?.state === 'enabled' || row?.state === 'enabling' || row?.state === 'disabling') throw new ConflictError(`Disable "${p.id}" before purging its data`, 'PLUGIN_ENABLED', { plugin: p.id });
    const [after] = await tx.em.execute(`insert into kernel.tenant_plugin (tenant_id, plugin_id, state, progress) values (?, ?, 'purging', 0)
      on conflict (tenant_id, plugin_id) do update set state = 'purging', progress = 0, error = null, export_file_id = null, purge_result = null, updated_at = now() returning *`, [req.tenantId, p.id]);
    return { before: (row?.state ?? 'disabled') as TenantPluginState, row: after as TenantPluginRow, queued: true };
  });
  if (out.queued) {
    // one attempt: a failure is kept on the row (failed, with the reason) and the owner purges again
    await d.queues.enqueuePluginJob('kernel', PURGE_JOB, req.tenantId, { pluginId: p.id, userId: req.user?.id ?? null }, { jobId: `${p.id}.${Date.now()}`, attempts: 1 });
  }
  return out;
}

/**
 * The purge job: exports the tenant's rows of the plugin's tables to a file (unless an earlier run
 * did), then deletes them children first, `BATCH` rows per transaction, keeping the progress on the
 * row (export 0–10 %, deletion 10–100 %) and on the job; finally drops the plugin's grants and
 * commits `purged`. A failure commits `failed` with the reason.
 */
export async function runPurge(d: KernelDeps, req: RequestContext, p: LoadedPlugin, report: (percent: number) => Promise<void>, userId: string | null): Promise<Record<string, unknown>> {
  const owns = p.manifest.data?.owns ?? [];
  const setProgress = async (em: Em, percent: number) => {
    await em.execute('update kernel.tenant_plugin set progress = ?, updated_at = now() where plugin_id = ?', [percent, p.id]);
  };
  try {
    const start = await req.transaction(async (tx) => {
      const [row] = await tx.em.execute(`select state, export_file_id from kernel.tenant_plugin where plugin_id = ?`, [p.id]);
      if (row?.state !== 'purging') return null;
      if (row.export_file_id) return row.export_file_id as string;
      const exported: Record<string, unknown[]> = {};
      for (const table of owns) exported[table] = await tx.em.execute(`select * from ${table}`);
      const file = await storeFile(d.files, tx.em, {
        tenantId: req.tenantId,
        name: `${p.id}-export-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.json`,
        contentType: 'application/json',
        data: Buffer.from(JSON.stringify({ plugin: p.id, version: p.manifest.version, exportedAt: new Date().toISOString(), tables: exported }, null, 1)),
        ownerPlugin: 'kernel',
        userId: userId ?? undefined,
      });
      await tx.em.execute('update kernel.tenant_plugin set export_file_id = ?, progress = 10, updated_at = now() where plugin_id = ?', [file.id, p.id]);
      return file.id as string;
    });
    if (start === null) return { skipped: 'not purging' };
    await report(10);
    const total = await req.transaction(async (tx) => {
      let n = 0;
      for (const table of owns) n += Number((await tx.em.execute(`select count(*) as n from ${table}`))[0].n);
      return n;
    });
    const deleted: Record<string, number> = {};
    let done = 0;
    // children are listed after parents in `owns`, so delete in reverse
    for (const table of [...owns].reverse()) {
      deleted[table] = 0;
      for (;;) {
        const n = await req.transaction(async (tx) => {
          // lets append-only ledgers (sdk appendOnly) allow exactly this purge's deletes
          await tx.em.execute(`select set_config('app.purging', ?, true)`, [p.id]);
          const [r] = await tx.em.execute(`with d as (delete from ${table} where ctid = any(array(select ctid from ${table} limit ${BATCH})) returning 1) select count(*)::int as n from d`);
          done += r.n;
          await setProgress(tx.em, Math.min(99, 10 + Math.floor((done / Math.max(1, total)) * 90)));
          return r.n as number;
        });
        deleted[table] += n;
        if (n < BATCH) break;
        await report(Math.min(99, 10 + Math.floor((done / Math.max(1, total)) * 90)));
      }
    }
    await req.transaction(async (tx) => {
      // its outside calls go with its data: nothing is left for a recovery to send (outside-calls.ts)
      await tx.em.execute('delete from kernel.outside_call where plugin_id = ?', [p.id]);
      // drop the grants the plugin added, so a re-enable starts from its defaults again
      await tx.em.execute(`update kernel.role set rules = coalesce((select jsonb_agg(r) from jsonb_array_elements(rules) r where coalesce(r->>'reason', '') <> ?), '[]'::jsonb), version = version + 1 where rules @> ?::jsonb`,
        [`plugin:${p.id}`, JSON.stringify([{ reason: `plugin:${p.id}` }])]);
      await tx.em.execute(`update kernel.tenant_plugin set state = 'purged', progress = 100, settings = '{}', secrets = null, grants_applied = false,
        purge_result = ?::jsonb, updated_at = now() where plugin_id = ?`, [JSON.stringify({ exportFileId: start, deleted, finishedAt: new Date().toISOString() }), p.id]);
    });
    await report(100);
    announce(d, req.tenantId, p.id, 'purged');
    return { purged: true, exportFileId: start, deleted };
  } catch (e) {
    const reason = reasonOf(e);
    await req.transaction(async (tx) => {
      await tx.em.execute(`update kernel.tenant_plugin set state = 'failed', error = ?, updated_at = now() where plugin_id = ? and state = 'purging'`, [`Purge failed: ${reason}`, p.id]);
    });
    announce(d, req.tenantId, p.id, 'failed');
    throw e;
  }
}
