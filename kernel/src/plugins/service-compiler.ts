import type { ServiceSchema, Context } from 'moleculer';
import type { ActionDefinition, Permission, ServiceDefinition } from '@atrium/sdk';
import { PREFETCH, type ActionSpec } from '../pipeline/action-spec.ts';
import { TENANT_RESOLVER } from '../pipeline/tenant-from-request.ts';

const kebab = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

export type SpecInput = {
  pluginId: string | null;
  fullName: string;
  basePath: string;
  rest?: string;
  permission: Permission | 'system';
  params?: object;
  tenantScoped?: boolean;
  mutates?: boolean;
  idempotent?: boolean;
  status?: number;
  maxBodyBytes?: number;
  raw?: boolean;
  tenantFromParam?: string;
  tenantFromRequest?: boolean;
  requiresEnablement?: boolean;
  transaction?: boolean;
  summary?: string;
  description?: string;
  response?: object;
  tags?: string[];
};

export function buildSpec(i: SpecInput): ActionSpec {
  let rest: ActionSpec['rest'];
  if (i.tenantFromRequest && (i.permission !== 'public' || i.tenantFromParam)) throw new Error(`${i.fullName}: resolveTenant is for public actions without tenantFromParam`);
  if (i.rest && i.permission === 'internal') throw new Error(`${i.fullName}: an 'internal' action cannot have a REST route`);
  if (i.rest) {
    const [method, rel] = i.rest.split(/\s+/);
    const path = (i.basePath + (rel === '/' ? '' : rel)).replace(/\/+$/, '') || '/';
    rest = { method: method.toUpperCase(), path, status: i.status ?? 200, maxBodyBytes: i.maxBodyBytes, raw: i.raw };
  }
  const mutates = i.mutates ?? (rest ? rest.method !== 'GET' : false);
  return {
    pluginId: i.pluginId,
    fullName: i.fullName,
    permission: i.permission,
    tenantScoped: i.tenantScoped ?? true,
    transaction: i.transaction ?? true,
    mutates,
    idempotent: i.idempotent ?? false,
    tenantFromParam: i.tenantFromParam,
    ...(i.tenantFromRequest ? { tenantFromRequest: true } : {}),
    ...(i.requiresEnablement === false ? { requiresEnablement: false } : {}),
    rest,
    // a route without a params schema takes no params: unknown query/body fields are rejected too
    params: i.params ?? (rest ? { type: 'object', properties: {}, additionalProperties: false } : undefined),
    response: i.response,
    summary: i.summary,
    description: i.description,
    tags: i.tags,
  };
}

/** Turns a plugin's SDK service definition into a Moleculer service named `<pluginId>.<name>`. */
export function compilePluginService(pluginId: string, def: ServiceDefinition): ServiceSchema {
  const serviceName = `${pluginId}.${def.name}`;
  const basePath = `/api/${pluginId}/${def.rest ?? kebab(def.name)}`.replace(/\/+$/, '');
  const actions: Record<string, any> = {};
  for (const [name, a] of Object.entries(def.actions) as [string, ActionDefinition<any, any>][]) {
    const spec = buildSpec({
      pluginId,
      fullName: `${serviceName}.${name}`,
      basePath,
      rest: a.rest,
      permission: a.permission,
      params: a.params,
      mutates: a.mutates,
      idempotent: a.idempotent,
      status: a.status,
      maxBodyBytes: a.maxBodyBytes,
      raw: a.raw,
      tenantFromParam: a.tenantFromParam,
      tenantFromRequest: !!a.resolveTenant,
      requiresEnablement: a.requiresEnablement,
      transaction: a.transaction,
      summary: a.summary,
      description: a.description,
      response: a.response,
      tags: [pluginId],
    });
    actions[name] = {
      atrium: spec,
      // local only (a function does not travel in the service registry): the pipeline calls it on this node
      ...(a.resolveTenant ? { [TENANT_RESOLVER]: a.resolveTenant } : {}),
      ...(a.prefetch ? { [PREFETCH]: a.prefetch } : {}),
      handler(ctx: Context<any, any>) {
        const req = (ctx.locals as any).req;
        return a.handler({ ...req, params: ctx.params ?? {}, idempotencyKey: ctx.meta.idempotencyKey, prefetched: (ctx.locals as any).prefetched ?? null });
      },
    };
  }
  return { name: serviceName, actions };
}
