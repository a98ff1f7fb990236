import type { PermissionGrant, PermissionSubjectDeclaration } from '@atrium/sdk';

/** Built-in roles every tenant gets. Plugins add grants to these (and may add roles of their own). */
export const BUILTIN_ROLES = ['owner', 'admin', 'manager', 'staff'] as const;
export type BuiltinRole = (typeof BUILTIN_ROLES)[number];

/**
 * Kernel subjects and the actions on them, published in the permission catalog like plugins' subjects.
 * `conditions`: the fields a role's rule may test (rbac/rule-conditions.ts); the routes apply them.
 */
export const KERNEL_SUBJECTS: PermissionSubjectDeclaration[] = [
  { subject: 'kernel.Tenant', actions: ['read', 'update', 'delete'] },
  { subject: 'kernel.Member', actions: ['read', 'create', 'update', 'delete'], conditions: { userId: 'uuid' } },
  { subject: 'kernel.Invitation', actions: ['read', 'create', 'delete'] },
  { subject: 'kernel.Role', actions: ['read', 'create', 'update', 'delete'] },
  { subject: 'kernel.Plugin', actions: ['read', 'enable', 'disable', 'purge', 'configure'] },
  { subject: 'kernel.Audit', actions: ['read'] },
  { subject: 'kernel.Job', actions: ['read', 'retry'] },
  { subject: 'kernel.File', actions: ['read', 'create', 'delete'], conditions: { id: 'uuid', createdBy: 'uuid', ownerPlugin: 'string' } },
  { subject: 'kernel.Store', actions: ['read', 'create', 'update', 'delete'] },
  // The device bus: printers/drawers/displays (profiles, roles, jobs) and the terminals (agents) they hang off.
  { subject: 'kernel.Device', actions: ['read', 'create', 'update', 'delete', 'print'] },
  { subject: 'kernel.Terminal', actions: ['read', 'create', 'update', 'delete'] },
];

export const KERNEL_GRANTS: Record<BuiltinRole, PermissionGrant[]> = {
  owner: [{ action: 'manage', subject: 'all' }],
  // An admin runs the tenant but cannot delete it.
  admin: [
    { action: 'manage', subject: 'all' },
    { action: 'delete', subject: 'kernel.Tenant', inverted: true },
  ],
  manager: [
    { action: 'read', subject: ['kernel.Member', 'kernel.Store', 'kernel.Plugin', 'kernel.Tenant'] as any },
    { action: ['read', 'create'], subject: 'kernel.File' },
    // run the tills: print, test pages, and enrol a replacement terminal (create = enrolment code)
    { action: ['read', 'print'], subject: 'kernel.Device' },
    { action: ['read', 'create'], subject: 'kernel.Terminal' },
  ],
  staff: [
    { action: 'read', subject: ['kernel.Plugin', 'kernel.Tenant', 'kernel.Store'] as any },
    { action: ['read', 'create'], subject: 'kernel.File' },
    { action: ['read', 'print'], subject: 'kernel.Device' },
    { action: 'read', subject: 'kernel.Terminal' },
  ],
};
