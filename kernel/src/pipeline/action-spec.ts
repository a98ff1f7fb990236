import type { Permission, PrefetchStatement } from '@atrium/sdk';

/**
 * What the pipeline needs to know about an action. Attached to the Moleculer action definition
 * as `atrium`, so it travels to other nodes in the service registry (the gateway builds routes
 * and the OpenAPI document from it).
 */
export type ActionSpec = {
  /** Owning plugin, or null for kernel actions (never gated). */
  pluginId: string | null;
  fullName: string;
  permission: Permission | 'system';
  /** Open a tenant transaction (RLS) around the handler. Kernel actions like login don't. */
  tenantScoped: boolean;
  /** Tenant-scoped actions run in a DB transaction unless they opt out (`transaction: false`). */
  transaction: boolean;
  mutates: boolean;
  idempotent: boolean;
  /** Public webhook routes: the tenant id comes from this path param (never for authenticated routes). */
  tenantFromParam?: string;
  /** Public routes whose plugin resolves the tenant from the request (`resolveTenant`, see tenant-from-request.ts). */
  tenantFromRequest?: boolean;
  /** False: runs for a tenant that has not enabled the plugin (the operator's features, e.g. billing). */
  requiresEnablement?: boolean;
  rest?: { method: string; path: string; status: number; maxBodyBytes?: number; raw?: boolean };
  params?: object;
  response?: object;
  summary?: string;
  description?: string;
  tags?: string[];
};

/**
 * Where an action definition keeps its plugin's `prefetch` (a function: it stays on the node that
 * runs the action and never travels in the service registry).
 */
export const PREFETCH = 'atriumPrefetch';
export type PrefetchFn = (params: any) => PrefetchStatement | null;
