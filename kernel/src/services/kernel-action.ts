import type { Context } from 'moleculer';
import type { Permission, RequestContext } from '@atrium/sdk';
import { buildSpec } from '../plugins/service-compiler.ts';
import type { AtriumMeta } from '../pipeline/pipeline.middleware.ts';

export type KernelCtx<P = any> = Context<P, AtriumMeta> & { locals: { req?: RequestContext; em?: any; afterCommit?: (() => void)[] } };

/** Runs `fn` once the request's transaction has committed (immediately outside one). */
export function afterCommit(ctx: KernelCtx, fn: () => void): void {
  if (ctx.locals.afterCommit) ctx.locals.afterCommit.push(fn);
  else fn();
}

export type KernelActionDef<P = any> = {
  /** `'POST /signup'` relative to `/api/<service>`; `'GET ~/api/me'` for an absolute path. */
  rest?: string;
  params?: object;
  permission: Permission | 'system';
  tenantScoped?: boolean;
  mutates?: boolean;
  idempotent?: boolean;
  status?: number;
  raw?: boolean;
  maxBodyBytes?: number;
  summary?: string;
  handler(ctx: KernelCtx<P>): unknown;
};

/** Declares a kernel action with the same pipeline spec plugin actions get (routes, OpenAPI, audit). */
export function kernelActions(service: string, defs: Record<string, KernelActionDef>): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [name, d] of Object.entries(defs)) {
    let rest = d.rest;
    let basePath = `/api/${service}`;
    if (rest?.includes(' ~')) {
      const [m, abs] = rest.split(' ~');
      rest = `${m} ${abs}`;
      basePath = '';
    }
    out[name] = {
      atrium: buildSpec({
        pluginId: null,
        fullName: `${service}.${name}`,
        basePath,
        rest,
        permission: d.permission,
        params: d.params,
        tenantScoped: d.tenantScoped,
        mutates: d.mutates,
        idempotent: d.idempotent,
        status: d.status,
        raw: d.raw,
        maxBodyBytes: d.maxBodyBytes,
        summary: d.summary,
        tags: [`kernel.${service}`],
      }),
      handler: d.handler,
    };
  }
  return out;
}
