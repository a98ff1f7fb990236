import { http } from './http.ts';
import type {
  AuditEntry, AuthResult, FailedJob, Invitation, ListQuery, Me, Member, Page, PermissionEntry,
  PluginInfo, QueueInfo, Role, RoleRule, Tokens, UiManifestPlugin,
} from './types.ts';

// One function per kernel endpoint, grouped by area; pages never build URLs themselves.
const enc = encodeURIComponent;

export const authApi = {
  signup: (b: { tenantName: string; email: string; password: string }) =>
    http.post<AuthResult>('/api/auth/signup', b, { noRefresh: true }),
  login: (b: { email: string; password: string; totp?: string }) =>
    http.post<AuthResult>('/api/auth/login', b, { noRefresh: true }),
  logout: () => http.post<void>('/api/auth/logout', {}, { noRefresh: true }),
  switchTenant: (tenantId: string) => http.post<Tokens>('/api/auth/switch-tenant', { tenantId }),
  totpEnrol: () => http.post<{ secret: string; otpauthUrl: string }>('/api/auth/totp/enrol'),
  totpVerify: (code: string) => http.post<void>('/api/auth/totp/verify', { code }),
  totpDisable: (code: string) => http.post<void>('/api/auth/totp/disable', { code }),
  changePassword: (currentPassword: string, newPassword: string) =>
    http.post<void>('/api/auth/password', { currentPassword, newPassword }),
  resetRequest: (email: string) =>
    http.post<void>('/api/auth/password-reset/request', { email }, { noRefresh: true }),
  resetConfirm: (token: string, password: string) =>
    http.post<void>('/api/auth/password-reset/confirm', { token, password }, { noRefresh: true }),
  acceptInvitation: (b: { token: string; password?: string; displayName?: string }) =>
    http.post<Tokens>('/api/auth/invitations/accept', b, { noRefresh: true }),
};

export const meApi = {
  get: () => http.get<Me>('/api/me'),
  abilities: () => http.get<{ rules: unknown[] }>('/api/me/abilities'),
};

export const tenantsApi = {
  members: (q: ListQuery) => http.get<Page<Member>>('/api/tenants/members', q),
  updateMember: (userId: string, roles: string[]) => http.patch<Member>(`/api/tenants/members/${enc(userId)}`, { roles }),
  removeMember: (userId: string) => http.delete<void>(`/api/tenants/members/${enc(userId)}`),
  invitations: () => http.get<Page<Invitation> | { items: Invitation[] }>('/api/tenants/invitations'),
  invite: (email: string, role: string) => http.post<Invitation>('/api/tenants/invitations', { email, role }),
  revokeInvitation: (id: string) => http.delete<void>(`/api/tenants/invitations/${enc(id)}`),
};

export const rbacApi = {
  roles: () => http.get<{ items: Role[] }>('/api/rbac/roles'),
  createRole: (name: string, rules: RoleRule[]) => http.post<Role>('/api/rbac/roles', { name, rules }),
  updateRole: (id: string, b: { name?: string; rules?: RoleRule[] }) => http.patch<Role>(`/api/rbac/roles/${enc(id)}`, b),
  deleteRole: (id: string) => http.delete<void>(`/api/rbac/roles/${enc(id)}`),
  permissions: () => http.get<{ items: PermissionEntry[] }>('/api/rbac/permissions'),
};

export const pluginsApi = {
  list: () => http.get<{ items: PluginInfo[] }>('/api/plugins'),
  enable: (id: string) => http.post<PluginInfo>(`/api/plugins/${enc(id)}/enable`),
  disable: (id: string) => http.post<PluginInfo>(`/api/plugins/${enc(id)}/disable`),
  purge: (id: string) => http.post<PluginInfo>(`/api/plugins/${enc(id)}/purge`),
  saveSettings: (id: string, settings: Record<string, unknown>) => http.put<PluginInfo>(`/api/plugins/${enc(id)}/settings`, settings),
  uiManifest: () => http.get<{ plugins: UiManifestPlugin[] }>('/api/ui-manifest'),
};

export const auditApi = {
  list: (q: ListQuery) => http.get<Page<AuditEntry>>('/api/audit', q),
};

export const jobsApi = {
  queues: () => http.get<{ items: QueueInfo[] }>('/api/jobs/queues'),
  failed: (q: ListQuery) => http.get<Page<FailedJob>>('/api/jobs/failed', q),
  retry: (queue: string, jobId: string) => http.post<void>(`/api/jobs/${enc(queue)}/${enc(jobId)}/retry`),
};
