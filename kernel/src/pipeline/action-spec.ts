import type { ActionDefinition, Permission, PrefetchStatement } from '@atrium/sdk';

/**
 * What an action declares about itself. The SDK's `ActionDefinition` is the one declaration of
 * these options (with their docs); kernel actions take the same ones, plus the `system` access
 * level and `tenantScoped`. Functions (`handler`, `prefetch`, `resolveTenant`) are not options:
 * they stay on the node that runs the action.
 */
export type ActionOptions = Omit<ActionDefinition<any, any>, 'handler' | 'permission' | 'params' | 'response' | 'prefetch' | 'resolveTenant'> & {
  permission: Permission | 'system';
  params?: object;
  response?: object;
  /** Kernel actions only: false runs the handler without a tenant or a transaction (login, signup). */
  tenantScoped?: boolean;
};

/** Where an action sits — given by whoever compiles it, never declared by its author. */
export type ActionPlace = {
  /** Owning plugin, or null for kernel actions (never gated). */
  pluginId: string | null;
  fullName: string;
  /** REST base the action's `rest` path is relative to (`/api/<plugin>/<service>`); '' for absolute paths. */
  basePath: string;
  tags?: string[];
  /** The plugin gave a `resolveTenant` function (see tenant-from-request.ts). */
  tenantFromRequest?: boolean;
};

/**
 * What the pipeline needs to know about an action, derived once from its options by `buildSpec`.
 * Attached to the Moleculer action definition as `atrium`, so it travels to other nodes in the
 * service registry (the gateway builds routes and the OpenAPI document from it).
 */
export type ActionSpec = Pick<ActionOptions, 'permission' | 'tenantFromParam' | 'params' | 'response' | 'summary' | 'description'> &
  Required<Pick<ActionOptions, 'tenantScoped' | 'transaction' | 'mutates' | 'idempotent'>> & {
    pluginId: string | null;
    fullName: string;
    /** Public routes whose plugin resolves the tenant from the request. */
    tenantFromRequest?: boolean;
    /** False: runs for a tenant that has not enabled the plugin (the operator's features, e.g. billing). */
    requiresEnablement?: false;
    rest?: { method: string; path: string; status: number; maxBodyBytes?: number; raw?: boolean };
    tags?: string[];
  };

/** The one place an action's options become its spec (plugin actions, kernel actions, `$system`). */
export function buildSpec(o: ActionOptions, at: ActionPlace): ActionSpec {
  if (at.tenantFromRequest && (o.permission !== 'public' || o.tenantFromParam)) throw new Error(`${at.fullName}: resolveTenant is for public actions without tenantFromParam`);
  if (o.rest && o.permission === 'internal') throw new Error(`${at.fullName}: an 'internal' action cannot have a REST route`);
  let rest: ActionSpec['rest'];
  if (o.rest) {
    const [method, rel] = o.rest.split(/\s+/);
    const path = (at.basePath + (rel === '/' ? '' : rel)).replace(/\/+$/, '') || '/';
    rest = { method: method.toUpperCase(), path, status: o.status ?? 200, maxBodyBytes: o.maxBodyBytes, raw: o.raw };
  }
  return {
    pluginId: at.pluginId,
    fullName: at.fullName,
    permission: o.permission,
    tenantScoped: o.tenantScoped ?? true,
    transaction: o.transaction ?? true,
    mutates: o.mutates ?? (rest ? rest.method !== 'GET' : false),
    idempotent: o.idempotent ?? false,
    tenantFromParam: o.tenantFromParam,
    ...(at.tenantFromRequest ? { tenantFromRequest: true } : {}),
    ...(o.requiresEnablement === false ? { requiresEnablement: false as const } : {}),
    rest,
    // a route without a params schema takes no params: unknown query/body fields are rejected too
    params: o.params ?? (rest ? { type: 'object', properties: {}, additionalProperties: false } : undefined),
    response: o.response,
    summary: o.summary,
    description: o.description,
    tags: at.tags,
  };
}

/**
 * Where an action definition keeps its plugin's `prefetch` (a function: it stays on the node that
 * runs the action and never travels in the service registry).
 */
export const PREFETCH = 'atriumPrefetch';
export type PrefetchFn = (params: any) => PrefetchStatement | null;
