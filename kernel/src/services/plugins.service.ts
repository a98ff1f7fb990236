import crypto from 'node:crypto';
import type { ServiceSchema } from 'moleculer';
import { Type } from 'typebox';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { AtriumError, fieldErrorsOf, NotFoundError, UnprocessableError, ValidationError } from '@atrium/sdk';
import { LOCALES } from '@atrium/sdk/i18n';
import type { KernelDeps } from '../kernel-deps.ts';
import { afterCommit, kernelActions } from './kernel-action.ts';
import type { LoadedPlugin } from '../plugins/plugin-registry.ts';
import { disablePlugin, enablePlugin, runPurge, startPurge, type TenantPluginRow, type TenantPluginState } from '../plugins/tenant-plugin-lifecycle.ts';

const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as (a: any) => any;
const settingsAjv = addFormats(new Ajv2020({ strict: false, allErrors: true, useDefaults: false }));
const PluginIdParam = Type.Object({ id: Type.String({ pattern: '^[a-z][a-z0-9-]{1,39}$' }) }, { additionalProperties: false });

export type { TenantPluginState };

export function pluginsService(deps: () => KernelDeps): ServiceSchema {
  const d = deps;
  const validators = new Map<string, any>();

  function plugin(id: string): LoadedPlugin {
    const p = d().registry.get(id);
    if (!p) throw new NotFoundError(`Plugin "${id}" is not installed on this platform`, { subject: 'kernel.Plugin', id });
    return p;
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

  async function currentRow(em: any, id: string) {
    const [row] = await em.execute('select * from kernel.tenant_plugin where plugin_id = ? for update', [id]);
    return row as TenantPluginRow | undefined;
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
      /** why the last enable, disable or purge failed (state `failed`) */
      error: row?.error ?? null,
      /** a purge's progress, 0–100 (state `purging`; 100 once `purged`) */
      progress: row?.progress ?? null,
      /** the last purge: the export file and the rows deleted per table */
      purge: row?.purge_result ?? null,
      dependencies: p.manifest.dependencies ?? {},
      provides: p.manifest.provides ?? [],
      requires: p.manifest.requires ?? [],
      settingsSchema: p.manifest.settings?.schema ?? null,
      /** the settings form's words per language (titles, descriptions, enum labels, units): the catalogs' `settings` */
      settingsText: Object.fromEntries(LOCALES.map((l) => [l, p.definition.messages?.[l]?.settings ?? {}])),
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
        summary: 'Enable for this tenant: dependencies and settings checked, default grants, the plugin\'s hook; a failure is kept (state failed, with the reason)',
        // the in-between state is committed before the plugin's hook runs (tenant-plugin-lifecycle.ts)
        transaction: false,
        async handler(ctx) {
          const p = plugin(ctx.params.id);
          const req = ctx.locals.req!;
          const { before, row } = await enablePlugin(d(), req, p, (r) => {
            const settings = { ...(r?.settings ?? {}), ...(r?.secrets ? d().secrets.open(r.secrets) : {}) };
            try {
              validateSettings(p, settings);
            } catch (e) {
              throw new UnprocessableError(`Configure "${p.id}" before enabling it: ${(e as Error).message}`, 'SETTINGS_REQUIRED', { plugin: p.id, fields: (e as any).data?.fields });
            }
          });
          req.audit.diff({ state: before }, { state: row.state });
          req.audit.target(p.id);
          return view(p, row);
        },
      },
      disable: {
        rest: 'POST /:id/disable',
        permission: ['disable', 'kernel.Plugin'],
        params: PluginIdParam,
        summary: 'Disable for this tenant (data kept): blocked at once, then the plugin\'s hook; a failure is kept (state failed, with the reason)',
        transaction: false,
        async handler(ctx) {
          const p = plugin(ctx.params.id);
          const req = ctx.locals.req!;
          const current = await req.transaction(async (tx) => (await tx.em.execute('select state from kernel.tenant_plugin where plugin_id = ?', [p.id]))[0]);
          if (!current || (current.state !== 'enabled' && current.state !== 'failed' && current.state !== 'disabling')) {
            return view(p, await req.transaction(async (tx) => (await tx.em.execute('select * from kernel.tenant_plugin where plugin_id = ?', [p.id]))[0]));
          }
          const { before, row } = await disablePlugin(d(), req, p);
          req.audit.diff({ state: before }, { state: row.state });
          req.audit.target(p.id);
          return view(p, row);
        },
      },
      purge: {
        rest: 'POST /:id/purge',
        permission: ['purge', 'kernel.Plugin'],
        params: PluginIdParam,
        status: 202,
        summary: 'Export this tenant\'s data of the plugin to a file, then delete it — in the background: the plugin shows state purging with its progress, then purged (or failed, with the reason)',
        transaction: false,
        async handler(ctx) {
          const p = plugin(ctx.params.id);
          const req = ctx.locals.req!;
          const { before, row } = await startPurge(d(), req, p);
          req.audit.diff({ state: before }, { state: row.state });
          req.audit.target(p.id);
          return view(p, row);
        },
      },
      runPurge: {
        permission: 'system',
        transaction: false,
        summary: 'The purge job (queued by purge)',
        async handler(ctx) {
          const { pluginId, userId, jobId } = ctx.params as { pluginId: string; userId: string | null; jobId: string };
          return runPurge(d(), ctx.locals.req!, plugin(pluginId), (percent) => d().queues.reportProgress(jobId, percent), userId);
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
