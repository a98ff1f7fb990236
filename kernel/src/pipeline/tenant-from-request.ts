import { isUuid, NotFoundError, type TenantResolution } from '@atrium/sdk';
import type { KernelDeps } from '../kernel-deps.ts';
import { isActiveTenant } from '../tenants/active-tenants.ts';

/**
 * Tenant resolution for public routes that serve EVERY tenant at one URL: a provider that sends
 * all events of an account to one endpoint (the operator's Stripe billing webhooks) cannot put a
 * tenant id in the path, so `tenantFromParam` does not fit. The plugin's `resolveTenant` reads the
 * (already validated) request, authenticates it itself (a signature) and names the tenant found in
 * it; the kernel then checks that tenant exists and is active and runs the action under it — the
 * plugin gate, permission, transaction, RLS and audit apply exactly as for any other request.
 *
 * The resolver lives on the Moleculer action definition under this key (set by the service
 * compiler); a function does not travel in the service registry, and the pipeline runs on the
 * node that owns the action, so it is always there.
 */
export const TENANT_RESOLVER = 'atriumResolveTenant';

type Resolver = (req: { params: any }) => Promise<TenantResolution> | TenantResolution;


/** `{ tenantId }` to run as, or `{ respond }` when the request is about no tenant (answered as is). */
export async function resolveTenantFromRequest(
  d: KernelDeps,
  action: Record<string, unknown>,
  params: Record<string, unknown>,
  validate: ((params: unknown) => void) | null,
): Promise<{ tenantId: string } | { respond: unknown }> {
  const resolve = action[TENANT_RESOLVER] as Resolver | undefined;
  if (typeof resolve !== 'function') throw new Error(`${String(action.name)}: declared tenantFromRequest but has no resolveTenant on this node`);
  // the resolver reads the params: they are validated first (the pipeline's own validation runs again, harmlessly)
  if (validate) validate(params);
  const r = await resolve({ params });
  if (!r || typeof r !== 'object') throw new Error(`${String(action.name)}: resolveTenant answered ${JSON.stringify(r)}`);
  if (r.tenantId === null) return { respond: 'response' in r ? r.response ?? null : null };
  if (!isUuid(r.tenantId)) throw new NotFoundError('Unknown tenant', { subject: 'kernel.Tenant' });
  if (!(await isActiveTenant(d, r.tenantId))) throw new NotFoundError('Unknown tenant', { subject: 'kernel.Tenant' });
  return { tenantId: r.tenantId };
}
