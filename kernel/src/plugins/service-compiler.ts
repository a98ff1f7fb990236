import type { ServiceSchema, Context } from 'moleculer';
import type { ActionDefinition, ServiceDefinition } from '@atrium/sdk';
import { PREFETCH, buildSpec } from '../pipeline/action-spec.ts';
import { TENANT_RESOLVER } from '../pipeline/tenant-from-request.ts';

const kebab = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

/** Turns a plugin's SDK service definition into a Moleculer service named `<pluginId>.<name>`. */
export function compilePluginService(pluginId: string, def: ServiceDefinition): ServiceSchema {
  const serviceName = `${pluginId}.${def.name}`;
  const basePath = `/api/${pluginId}/${def.rest ?? kebab(def.name)}`.replace(/\/+$/, '');
  const actions: Record<string, any> = {};
  for (const [name, a] of Object.entries(def.actions) as [string, ActionDefinition<any, any>][]) {
    const spec = buildSpec(a, { pluginId, fullName: `${serviceName}.${name}`, basePath, tags: [pluginId], tenantFromRequest: !!a.resolveTenant });
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
