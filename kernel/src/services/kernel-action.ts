import type { Context } from 'moleculer';
import type { RequestContext } from '@atrium/sdk';
import { buildSpec, type ActionOptions } from '../pipeline/action-spec.ts';
import type { AtriumMeta } from '../pipeline/pipeline.middleware.ts';

export type KernelCtx<P = any> = Context<P, AtriumMeta> & { locals: { req?: RequestContext; em?: any; afterCommit?: (() => void)[] } };

/** Runs `fn` once the request's transaction has committed (immediately outside one). */
export function afterCommit(ctx: KernelCtx, fn: () => void): void {
  if (ctx.locals.afterCommit) ctx.locals.afterCommit.push(fn);
  else fn();
}

/** A kernel action: the options plugin actions take (one spec type, see action-spec.ts) and its handler. */
export type KernelActionDef<P = any> = Omit<ActionOptions, 'rest'> & {
  /** `'POST /signup'` relative to `/api/<service>`; `'GET ~/api/me'` for an absolute path. */
  rest?: string;
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
      atrium: buildSpec({ ...d, rest: rest as ActionOptions['rest'] }, { pluginId: null, fullName: `${service}.${name}`, basePath, tags: [`kernel.${service}`] }),
      handler: d.handler,
    };
  }
  return out;
}
