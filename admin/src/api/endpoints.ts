import { http } from './http.ts';
import type {
  AuditEntry, AuthProviderInfo, AuthResult, LinkedIdentity, ProviderAttempt, ProviderOutcome, FailedJob, Invitation, JobRun, ListQuery, Me, Member, Page, PermissionEntry,
  PluginInfo, QueueInfo, Role, RoleRule, SignIn, Tokens, UiManifestPlugin,
} from './types.ts';
import type {
  Device, DeviceJob, DeviceRole, EnrollmentCode, PrinterProfileChoice, PrinterProfileInfo, Store, Terminal,
} from './device-types.ts';

// One function per kernel endpoint, grouped by area; pages never build URLs themselves.
const enc = encodeURIComponent;

export const authApi = {
  /** Signed in at once (the platform's first sign-up, or no confirmation configured), or a confirmation e-mail is on its way. */
  signup: (b: { tenantName: string; email: string; password: string; timeZone?: string }) =>
    http.post<AuthResult | { status: 'confirmation-sent'; email: string }>('/api/auth/signup', b, { noRefresh: true }),
  confirmSignup: (token: string) => http.post<AuthResult>('/api/auth/signup/confirm', { token }, { noRefresh: true }),
  login: (b: { email: string; password: string; totp?: string }) =>
    http.post<AuthResult>('/api/auth/login', b, { noRefresh: true }),
  logout: () => http.post<void>('/api/auth/logout', {}, { noRefresh: true }),
  switchTenant: (tenantId: string) => http.post<Tokens>('/api/auth/switch-tenant', { tenantId }),
  totpEnrol: () => http.post<{ secret: string; otpauthUrl: string }>('/api/auth/totp/enrol'),
  totpVerify: (code: string) => http.post<void>('/api/auth/totp/verify', { code }),
  totpDisable: (code: string, password: string) => http.post<void>('/api/auth/totp/disable', { code, password }),
  changePassword: (currentPassword: string, newPassword: string) =>
    http.post<void>('/api/auth/password', { currentPassword, newPassword }),
  resetRequest: (email: string) =>
    http.post<void>('/api/auth/password-reset/request', { email }, { noRefresh: true }),
  resetConfirm: (token: string, password: string) =>
    http.post<void>('/api/auth/password-reset/confirm', { token, password }, { noRefresh: true }),
  acceptInvitation: (b: { token: string; password?: string; displayName?: string }) =>
    http.post<Tokens>('/api/auth/invitations/accept', b, { noRefresh: true }),
  sessions: () => http.get<Page<SignIn>>('/api/auth/sessions'),
  revokeSession: (id: string) => http.delete<void>(`/api/auth/sessions/${enc(id)}`),
  revokeOtherSessions: () => http.delete<{ revoked: number }>('/api/auth/sessions'),
  /** Sign-in methods plugins add: for the tenant named (login page), else the signed-in user's (linking). */
  providers: (tenantId?: string) => http.get<Page<AuthProviderInfo>>('/api/auth/providers', tenantId ? { tenantId } : {}),
  startProvider: (id: string, b: { purpose: 'login' | 'link'; tenantId?: string; locale?: string }) =>
    http.post<ProviderAttempt>(`/api/auth/providers/${enc(id)}/start`, b, { noRefresh: b.purpose === 'login' }),
  claimProvider: (attemptId: string, secret: string) =>
    http.post<ProviderOutcome>(`/api/auth/providers/attempts/${enc(attemptId)}`, { secret }, { noRefresh: true }),
  identities: () => http.get<Page<LinkedIdentity>>('/api/me/identities'),
  unlinkIdentity: (id: string) => http.delete<void>(`/api/me/identities/${enc(id)}`),
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
  invite: (email: string, role: string, locale?: string) => http.post<Invitation>('/api/tenants/invitations', { email, role, ...(locale ? { locale } : {}) }),
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
  get: (id: string) => http.get<PluginInfo>(`/api/plugins/${enc(id)}`),
  purge: (id: string) => http.post<PluginInfo>(`/api/plugins/${enc(id)}/purge`),
  /** The kernel takes the values inside { settings }; secrets left out keep their stored value. */
  saveSettings: (id: string, settings: Record<string, unknown>) => http.put<PluginInfo>(`/api/plugins/${enc(id)}/settings`, { settings }),
  uiManifest: () => http.get<{ plugins: UiManifestPlugin[] }>('/api/ui-manifest'),
};

export const auditApi = {
  list: (q: ListQuery) => http.get<Page<AuditEntry>>('/api/audit', q),
};

export const jobsApi = {
  queues: () => http.get<{ items: QueueInfo[] }>('/api/jobs/queues'),
  list: (q: ListQuery & { queue?: string }) => http.get<Page<JobRun>>('/api/jobs', q),
  failed: (q: ListQuery) => http.get<Page<FailedJob>>('/api/jobs/failed', q),
  retry: (queue: string, jobId: string) => http.post<void>(`/api/jobs/${enc(queue)}/${enc(jobId)}/retry`),
};

export const storesApi = {
  list: (q: ListQuery) => http.get<Page<Store>>('/api/tenants/stores', q),
};

export const devicesApi = {
  createEnrollmentCode: (storeId: string) => http.post<EnrollmentCode>('/api/devices/enrollment-codes', { storeId }),
  terminals: (q: ListQuery) => http.get<Page<Terminal>>('/api/devices/terminals', q),
  revokeTerminal: (terminalId: string) => http.post<{ id: string; revoked: boolean }>(`/api/devices/terminals/${enc(terminalId)}/revoke`),
  devices: (q: ListQuery) => http.get<Page<Device>>('/api/devices/devices', q),
  profiles: () => http.get<{ items: PrinterProfileInfo[] }>('/api/devices/profiles'),
  setProfile: (terminalId: string, deviceId: string, b: { profileId: string; paperWidthMm?: 58 | 80; codePage?: string; imageMode?: 'auto' | 'raster' }) =>
    http.put<PrinterProfileChoice & { terminalId: string; deviceId: string }>(`/api/devices/terminals/${enc(terminalId)}/devices/${enc(deviceId)}/profile`, b),
  roles: (storeId?: string) => http.get<Page<DeviceRole>>('/api/devices/roles', { storeId }),
  setRole: (b: { storeId: string; role: string; terminalId: string; deviceId: string }) => http.put<DeviceRole>('/api/devices/roles', b),
  deleteRole: (storeId: string, role: string) => http.delete<void>(`/api/devices/roles/${enc(storeId)}/${enc(role)}`),
  testPage: (terminalId: string, deviceId: string) =>
    http.post<DeviceJob>(`/api/devices/terminals/${enc(terminalId)}/devices/${enc(deviceId)}/test-page`),
  jobs: (q: ListQuery) => http.get<Page<DeviceJob>>('/api/devices/jobs', q),
  job: (id: string) => http.get<DeviceJob>(`/api/devices/jobs/${enc(id)}`),
};
