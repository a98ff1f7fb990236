import crypto from 'node:crypto';
import type { ServiceSchema } from 'moleculer';
import { Type } from 'typebox';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { AtriumError, ConflictError, fieldErrorsOf, NotFoundError, UnprocessableError, ValidationError, type TenantHookContext } from '@atrium/sdk';
import type { KernelDeps } from '../kernel-deps.ts';
import { afterCommit, kernelActions, type KernelCtx } from './kernel-action.ts';
import type { LoadedPlugin } from '../plugins/plugin-registry.ts';
import { loadPluginSettings } from '../plugins/plugin-settings.ts';
import { storeFile } from '../files/store-file.ts';

const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as (a: any) => any;
const settingsAjv = addFormats(new Ajv2020({ strict: false, allErrors: true, useDefaults: false }));
const PluginIdParam = Type.Object({ id: Type.String({ pattern: '^[a-z][a-z0-9-]{1,39}$' }) }, { additionalProperties: false });

export type TenantPluginState = 'disabled' | 'enabling' | 'enabled' | 'disabling' | 'purging' | 'purged' | 'failed';

export function pluginsService(deps: () => KernelDeps): ServiceSchema {
  const d = deps;
  const validators = new Map<string, any>();

  function plugin(id: string): LoadedPlugin {
    const p = d().registry.get(id);
    if (!p) throw new NotFoundError(`Plugin "${id}" is not installed on this platform`, { subject: 'kernel.Plugin', id });
    return p;
  }

  async function enabledSet(em: any): Promise<Set<string>> {
    const rows = await em.execute(`select plugin_id from kernel.tenant_plugin where state = 'enabled'`);
    return new Set(rows.map((r: any) => r.plugin_id));
  }

  function hookCtx(ctx: KernelCtx, p: LoadedPlugin): TenantHookContext {
    const em = ctx.locals.em;
    return {
      tenantId: ctx.meta.tenantId!,
      em,
      logger: d().logger.child({ plugin: p.id, tenantId: ctx.meta.tenantId }),
      settings: async <T>() => (await loadPluginSettings(d(), em, ctx.meta.tenantId!, p.id)) as T,
    };
  }

  function validateSettings(p: LoadedPlugin, values: Record<string, unknown>) {
    const schema = p.manifest.settings?.schema;
    if (!schema) {
      if (Object.keys(values).length) throw new ValidationError(`Plugin "${p.id}" has no settings`, Object.keys(values).map((k) => ({ field: k, code: 'notASetting', message: 'is not a setting of this plugin' })), { plugin: p.id });
      return;
    }
    let v = validators.get(p.id);
    if (!v) validators.set(p.id, (v = settingsAjv.compile({ type: 'object', additionalProperties: false, ...schema })));
    if (!v(values)) {
      const fields = fieldErrorsOf(v.errors, '(settings)').map((f) => (f.code === 'additionalProperties' ? { ...f, code: 'notASetting' } : f));
      throw new ValidationError(`Invalid settings for "${p.id}": ${fields.map((f) => `${f.field} ${f.message ?? f.code}`).join('; ')}`, fields, { plugin: p.id });
    }
    // a base URL is never a tenant's free text: only what the operator allows (outbound.ts)
    const outbound = d().outbound.checkSettings(p.id, values);
    if (outbound.length) {
      throw new AtriumError(`Settings for "${p.id}" name an address this platform does not allow: ${outbound.map((f) => f.field).join(', ')}`, 422, 'OUTBOUND_NOT_ALLOWED', { fields: outbound });
    }
  }

  /** Appends the plugin's default grants to the tenant's roles (creating plugin-specific roles). */
  async function applyGrants(em: any, tenantId: string, p: LoadedPlugin) {
    for (const [role, grants] of Object.entries(p.manifest.permissions?.grants ?? {})) {
      const tagged = grants.map((g) => ({ ...g, reason: `plugin:${p.id}` }));
      const [existing] = await em.execute('select id from kernel.role where name = ?', [role]);
      if (existing) await em.execute(`update kernel.role set rules = rules || ?::jsonb, version = version + 1, updated_at = now() where id = ?`, [JSON.stringify(tagged), existing.id]);
      else await em.execute('insert into kernel.role (tenant_id, id, name, built_in, rules) values (?, ?, ?, false, ?)', [tenantId, crypto.randomUUID(), role, JSON.stringify(tagged)]);
    }
  }

  function announce(ctx: KernelCtx, pluginId: string, state: string) {
    const tenantId = ctx.meta.tenantId!;
    afterCommit(ctx, () => {
      d().gate.invalidate(tenantId);
      d().abilities.invalidate(tenantId);
      ctx.broker.broadcast('atrium.plugins.changed', { tenantId, pluginId, state });
    });
  }

  async function currentRow(em: any, id: string) {
    const [row] = await em.execute('select * from kernel.tenant_plugin where plugin_id = ? for update', [id]);
    return row as { state: TenantPluginState; settings: Record<string, unknown>; secrets: string | null; grants_applied: boolean } | undefined;
  }

  function view(p: LoadedPlugin, row: any) {
    const secrets = new Set(p.manifest.settings?.secrets ?? []);
    const setSecrets = row?.secrets ? Object.keys(d().secrets.open(row.secrets)) : [];
    const settings: Record<string, unknown> = { ...(row?.settings ?? {}) };
    for (const s of secrets) settings[s] = null;
    return {
      id: p.id,
      version: p.manifest.version,
      displayName: p.manifest.displayName,
      description: p.manifest.description ?? {},
      state: (row?.state ?? 'disabled') as TenantPluginState,
      error: row?.error ?? null,
      dependencies: p.manifest.dependencies ?? {},
      provides: p.manifest.provides ?? [],
      requires: p.manifest.requires ?? [],
      settingsSchema: p.manifest.settings?.schema ?? null,
      secretFields: [...secrets],
      settings,
      secretsSet: setSecrets,
      enabledAt: row?.enabled_at ?? null,
      hasUi: !!p.manifest.ui,
    };
  }

  return {
    name: 'plugins',
    actions: kernelActions('plugins', {
      list: {
        rest: 'GET /',
        permission: ['read', 'kernel.Plugin'],
        params: Type.Object({ q: Type.Optional(Type.String({ maxLength: 100 })), state: Type.Optional(Type.String({ maxLength: 20 })) }, { additionalProperties: false }),
        async handler(ctx) {
          const rows = await ctx.locals.em.execute('select * from kernel.tenant_plugin');
          const byId = new Map(rows.map((r: any) => [r.plugin_id, r]));
          const q = ctx.params.q?.toLowerCase();
          const items = d().registry.list()
            .map((p) => view(p, byId.get(p.id)))
            .filter((v) => (!q || v.id.includes(q) || Object.values(v.displayName).some((n) => n.toLowerCase().includes(q))) && (!ctx.params.state || v.state === ctx.params.state))
            .sort((a, b) => a.id.localeCompare(b.id));
          return { items, total: items.length };
        },
      },
      get: {
        rest: 'GET /:id',
        permission: ['read', 'kernel.Plugin'],
        params: PluginIdParam,
        async handler(ctx) {
          const p = plugin(ctx.params.id);
          const [row] = await ctx.locals.em.execute('select * from kernel.tenant_plugin where plugin_id = ?', [p.id]);
          return view(p, row);
        },
      },
      enable: {
        rest: 'POST /:id/enable',
        permission: ['enable', 'kernel.Plugin'],
        params: PluginIdParam,
        async handler(ctx) {
          const p = plugin(ctx.params.id);
          const em = ctx.locals.em;
          const row = await currentRow(em, p.id);
          if (row?.state === 'enabled') return view(p, row);
          const unmet = d().registry.unmetDependencies(p.id, await enabledSet(em));
          if (unmet.length) {
            throw new ConflictError(`Cannot enable "${p.id}": ${unmet.map((u) => u.reason).join('; ')}`, 'DEPENDENCY_MISSING', { plugin: p.id, plugins: unmet.map((u) => u.plugin), reasons: unmet });
          }
          const settings = { ...(row?.settings ?? {}), ...(row?.secrets ? d().secrets.open(row.secrets) : {}) };
          try {
            validateSettings(p, settings);
          } catch (e) {
            throw new UnprocessableError(`Configure "${p.id}" before enabling it: ${(e as Error).message}`, 'SETTINGS_REQUIRED', { plugin: p.id, fields: (e as any).data?.fields });
          }
          await em.execute(`insert into kernel.tenant_plugin (tenant_id, plugin_id, state) values (?, ?, 'enabling')
            on conflict (tenant_id, plugin_id) do update set state = 'enabling', error = null, updated_at = now()`, [ctx.meta.tenantId, p.id]);
          if (!row?.grants_applied) await applyGrants(em, ctx.meta.tenantId!, p);
          await p.definition.onTenantEnable?.(hookCtx(ctx, p));
          const [after] = await em.execute(`update kernel.tenant_plugin set state = 'enabled', grants_applied = true, enabled_at = now(), updated_at = now() where plugin_id = ? returning *`, [p.id]);
          ctx.locals.req!.audit.diff({ state: row?.state ?? 'disabled' }, { state: 'enabled' });
          ctx.locals.req!.audit.target(p.id);
          announce(ctx, p.id, 'enabled');
          return view(p, after);
        },
      },
      disable: {
        rest: 'POST /:id/disable',
        permission: ['disable', 'kernel.Plugin'],
        params: PluginIdParam,
        async handler(ctx) {
          const p = plugin(ctx.params.id);
          const em = ctx.locals.em;
          const row = await currentRow(em, p.id);
          if (!row || row.state !== 'enabled') return view(p, row);
          const dependents = d().registry.enabledDependents(p.id, await enabledSet(em));
          if (dependents.length) {
            throw new ConflictError(`Cannot disable "${p.id}" while ${dependents.map((x) => `"${x}"`).join(', ')} ${dependents.length > 1 ? 'depend' : 'depends'} on it; disable ${dependents.length > 1 ? 'them' : 'it'} first`, 'DEPENDENTS_ENABLED', { plugin: p.id, plugins: dependents });
          }
          await em.execute(`update kernel.tenant_plugin set state = 'disabling', updated_at = now() where plugin_id = ?`, [p.id]);
          await p.definition.onTenantDisable?.(hookCtx(ctx, p));
          const [after] = await em.execute(`update kernel.tenant_plugin set state = 'disabled', disabled_at = now(), updated_at = now() where plugin_id = ? returning *`, [p.id]);
          ctx.locals.req!.audit.diff({ state: 'enabled' }, { state: 'disabled' });
          ctx.locals.req!.audit.target(p.id);
          announce(ctx, p.id, 'disabled');
          return view(p, after);
        },
      },
      purge: {
        rest: 'POST /:id/purge',
        permission: ['purge', 'kernel.Plugin'],
        params: PluginIdParam,
        async handler(ctx) {
          const p = plugin(ctx.params.id);
          const em = ctx.locals.em;
          const row = await currentRow(em, p.id);
          if (row?.state === 'enabled') throw new ConflictError(`Disable "${p.id}" before purging its data`, 'PLUGIN_ENABLED', { plugin: p.id });
          const owns = p.manifest.data?.owns ?? [];
          // Export first (same transaction): if the export fails, nothing is deleted.
          const exported: Record<string, unknown[]> = {};
          for (const table of owns) exported[table] = await em.execute(`select * from ${table}`);
          const file = await storeFile(d().files, em, {
            tenantId: ctx.meta.tenantId!,
            name: `${p.id}-export-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.json`,
            contentType: 'application/json',
            data: Buffer.from(JSON.stringify({ plugin: p.id, version: p.manifest.version, exportedAt: new Date().toISOString(), tables: exported }, null, 1)),
            ownerPlugin: 'kernel',
            userId: ctx.meta.user?.id,
          });
          const deleted: Record<string, number> = {};
          // lets append-only ledgers (sdk appendOnly) allow exactly this purge's deletes
          await em.execute(`select set_config('app.purging', ?, true)`, [p.id]);
          // children are listed after parents in `owns`, so delete in reverse
          for (const table of [...owns].reverse()) {
            const r = await em.execute(`with d as (delete from ${table} returning 1) select count(*)::int as n from d`);
            deleted[table] = r[0].n;
          }
          // Drop the grants the plugin added, so a re-enable starts from its defaults again.
          await em.execute(`update kernel.role set rules = coalesce((select jsonb_agg(r) from jsonb_array_elements(rules) r where coalesce(r->>'reason', '') <> ?), '[]'::jsonb), version = version + 1 where rules @> ?::jsonb`,
            [`plugin:${p.id}`, JSON.stringify([{ reason: `plugin:${p.id}` }])]);
          await em.execute(`insert into kernel.tenant_plugin (tenant_id, plugin_id, state) values (?, ?, 'purged')
            on conflict (tenant_id, plugin_id) do update set state = 'purged', settings = '{}', secrets = null, grants_applied = false, updated_at = now()`, [ctx.meta.tenantId, p.id]);
          ctx.locals.req!.audit.diff({ state: row?.state ?? 'disabled' }, { state: 'purged', deleted, exportFileId: file.id });
          ctx.locals.req!.audit.target(p.id);
          announce(ctx, p.id, 'purged');
          return { id: p.id, state: 'purged', export: file, deleted };
        },
      },
      updateSettings: {
        rest: 'PUT /:id/settings',
        permission: ['configure', 'kernel.Plugin'],
        params: Type.Object({ id: PluginIdParam.properties.id, settings: Type.Record(Type.String(), Type.Unknown()) }, { additionalProperties: false }),
        summary: 'Replace the plugin settings; secret fields are write-only (omit to keep, null to clear)',
        async handler(ctx) {
          const p = plugin(ctx.params.id);
          const em = ctx.locals.em;
          const row = await currentRow(em, p.id);
          const secretNames = new Set(p.manifest.settings?.secrets ?? []);
          const secrets = row?.secrets ? d().secrets.open(row.secrets) : {};
          const plain: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(ctx.params.settings)) {
            if (secretNames.has(k)) {
              if (v === null) delete secrets[k];
              else secrets[k] = v;
            } else plain[k] = v;
          }
          validateSettings(p, { ...plain, ...secrets });
          await em.execute(`insert into kernel.tenant_plugin (tenant_id, plugin_id, state, settings, secrets) values (?, ?, 'disabled', ?, ?)
            on conflict (tenant_id, plugin_id) do update set settings = excluded.settings, secrets = excluded.secrets, updated_at = now()`,
            [ctx.meta.tenantId, p.id, JSON.stringify(plain), Object.keys(secrets).length ? d().secrets.seal(secrets) : null]);
          ctx.locals.req!.audit.diff({ settings: row?.settings ?? {} }, { settings: plain, secretsChanged: Object.keys(ctx.params.settings).filter((k) => secretNames.has(k)) });
          ctx.locals.req!.audit.target(p.id);
          const [after] = await em.execute('select * from kernel.tenant_plugin where plugin_id = ?', [p.id]);
          afterCommit(ctx, () => {
            // this node at once (the next request may read them); others through the broadcast
            d().gate.invalidateSettings(ctx.meta.tenantId!, p.id);
            ctx.broker.broadcast('atrium.plugins.settings', { tenantId: ctx.meta.tenantId, pluginId: p.id });
          });
          return view(p, after);
        },
      },
      uiManifest: {
        rest: 'GET ~/api/ui-manifest',
        permission: 'authenticated',
        async handler(ctx) {
          const enabled = await d().gate.enabled(ctx.meta.tenantId!);
          const ability = ctx.locals.req!.ability;
          const plugins = d().registry.list()
            .filter((p) => enabled.has(p.id) && p.manifest.ui)
            .map((p) => {
              const ui = p.manifest.ui!;
              return {
                id: p.id,
                version: p.manifest.version,
                displayName: p.manifest.displayName,
                entry: `/plugins/${p.id}/${ui.entry.replace(/^\.?\//, '')}?v=${p.manifest.version}`,
                css: (ui.css ?? []).map((c) => `/plugins/${p.id}/${c.replace(/^\.?\//, '')}?v=${p.manifest.version}`),
                contributions: ui.contributions.filter((c) => !c.permission || ability.can(c.permission[0], c.permission[1])),
              };
            });
          return { plugins };
        },
      },
    }),
  };
}
