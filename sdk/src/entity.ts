import { defineEntity, p } from '@mikro-orm/postgresql';

/**
 * Tenant-owned entities. Every row carries `tenant_id`; the kernel's `tenant` filter scopes every
 * ORM query to the request's tenant and Postgres RLS backs it up for anything that slips past
 * (raw SQL, a forgotten filter). `tenantId` is filled from the request on create, so handlers
 * never pass it — and never take it from params.
 */
export const TENANT_FILTER = 'tenant';

export function tenantIdProperty() {
  return p
    .uuid()
    .fieldName('tenant_id')
    .onCreate((_entity: unknown, em: any) => {
      const tenantId = em?.getFilterParams?.(TENANT_FILTER)?.tenantId;
      if (!tenantId) throw new Error('tenantId is not set: tenant entities can only be created inside a tenant request');
      return tenantId;
    });
}

/** The filter definition attached to every tenant entity (the kernel sets its params per request). */
export const tenantFilter = {
  [TENANT_FILTER]: {
    name: TENANT_FILTER,
    default: true,
    cond: (args: { tenantId?: string }) => ({ tenantId: args.tenantId }),
  },
} as const;

/** A uuid primary key generated in the app, so clients can create ids offline (POS sales). */
export function uuidPrimaryKey() {
  return p.uuid().primary().onCreate(() => crypto.randomUUID());
}

export { defineEntity, p };
