// Shapes of the kernel's HTTP API (the contract in issue 3).
export type Locale = 'en' | 'ru' | 'uk' | 'kk';
export type LocalizedText = Partial<Record<Locale, string>> & Record<string, string | undefined>;

export interface Tokens {
  accessToken: string;
  refreshToken?: string;
}
export interface User {
  id: string;
  email: string;
  displayName?: string;
  totpEnabled?: boolean;
}
export interface Tenant {
  id: string;
  name: string;
  /** ISO 4217: what the business counts money in (GET /api/me). */
  currency?: string;
  /** IANA time zone: the business's days and hours (GET /api/me). */
  timeZone?: string;
}
export interface AuthResult extends Tokens {
  user: User;
  tenant: Tenant;
}
/** A sign-in method a plugin adds (Telegram…): GET /api/auth/providers. */
export interface AuthProviderInfo {
  id: string;
  identity: string;
  label: LocalizedText;
  icon: string | null;
}
/** POST /api/auth/providers/:id/start: where the person confirms, and the secret to ask for the outcome with. */
export interface ProviderAttempt {
  attemptId: string;
  secret: string;
  expiresAt: string;
  provider: string;
  purpose: 'login' | 'link';
  url: string;
  qr: boolean;
  mode: 'open' | 'redirect';
}
export type ProviderOutcome =
  | { status: 'pending'; expiresAt: string }
  | ({ status: 'signed-in' } & AuthResult)
  | { status: 'linked'; identity: LinkedIdentity | null };
/** An outside account linked to the user: GET /api/me/identities. */
export interface LinkedIdentity {
  id: string;
  identity: string;
  display: string | null;
  provider?: string;
  createdAt: string;
  lastUsedAt?: string | null;
}
export interface Me {
  user: User;
  tenant: Tenant;
  tenants: (Tenant & { roles: string[] })[];
  roles: string[];
}
export interface Page<T> {
  items: T[];
  total: number;
}
export interface ListQuery {
  limit?: number;
  offset?: number;
  q?: string;
  sort?: string;
  [k: string]: string | number | undefined;
}
export interface Member {
  userId: string;
  email: string;
  displayName?: string;
  roles: string[];
  joinedAt: string;
}
export interface Invitation {
  id: string;
  email: string;
  roles: string[];
  status?: 'pending' | 'accepted' | 'revoked' | 'expired';
  createdAt?: string;
  expiresAt?: string;
  /** Only in the answer to POST /api/tenants/invitations: the link to pass on, and whether it was e-mailed. */
  link?: string;
  mailed?: boolean;
}
export interface RoleRule {
  action: string | string[];
  subject: string | string[];
  fields?: string[];
  conditions?: Record<string, unknown>;
  inverted?: boolean;
}
export interface Role {
  id: string;
  name: string;
  /** The role's name in each language (built-in and plugin roles; empty for a custom role). */
  title?: LocalizedText;
  builtIn: boolean;
  rules: RoleRule[];
}
export interface PermissionEntry {
  subject: string;
  actions: string[];
  fields?: string[];
  /** The fields a rule's conditions may test (the server refuses others with 422 RULE_NOT_ENFORCEABLE). */
  conditions?: Record<string, string | { type: string; column?: string }>;
  plugin: string;
  /** The plugin's, the subject's and each action's name per language (GET /api/rbac/permissions). */
  pluginName?: LocalizedText;
  name?: LocalizedText;
  actionNames?: Record<string, LocalizedText>;
}
export type PluginState = 'disabled' | 'enabling' | 'enabled' | 'disabling' | 'purging' | 'purged' | 'failed';
export interface PluginInfo {
  id: string;
  version: string;
  displayName: LocalizedText;
  description?: LocalizedText;
  state: PluginState;
  /** Why the last enable, disable or purge failed (state `failed`). */
  error?: string | null;
  /** A purge's progress, 0–100 (state `purging`; 100 once `purged`). */
  progress?: number | null;
  /** The last purge: its export file and the rows deleted per table. */
  purge?: { exportFileId: string; deleted: Record<string, number>; finishedAt: string } | null;
  dependencies?: Record<string, string>;
  settingsSchema?: JsonSchema | null;
  /** The settings form's words per language: the plugin catalogs' `settings` (titles, descriptions, enum labels, units). */
  settingsText?: Partial<Record<Locale, Record<string, SettingText>>>;
  settings?: Record<string, unknown> | null;
  /** Secret (write-only) settings keys: the manifest's settings.secrets; answered as null in `settings`. */
  secretFields?: string[];
  /** Which secretFields have a stored value. */
  secretsSet?: string[];
}
/** One setting's words (a plugin catalog's `settings.<dotted key>`). */
export interface SettingText {
  title?: string;
  description?: string;
  enum?: Record<string, string>;
  unit?: string;
}
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  format?: string;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  writeOnly?: boolean;
  'x-secret'?: boolean;
  /** What an integer setting counts: `money` (minor units, edited in major units of the currency), `bp` (basis points, edited as percent). */
  'x-unit'?: 'money' | 'bp';
  [k: string]: unknown;
}
export interface Contribution {
  slot: string;
  id: string;
  label?: LocalizedText;
  icon?: string;
  path?: string;
  component?: string;
  order?: number;
}
export interface UiManifestPlugin {
  id: string;
  version: string;
  displayName: LocalizedText;
  entry: string;
  css?: string[];
  contributions: Contribution[];
}
export interface AuditEntry {
  id: string;
  at: string;
  userId?: string;
  userEmail?: string;
  action: string;
  subject?: string;
  targetId?: string;
  diff?: unknown;
}
export interface QueueInfo {
  name: string;
  counts: { waiting: number; active: number; completed: number; failed: number; delayed: number };
}
/** A job of the tenant as GET /api/jobs lists it: where it stands and how far it is (0–100). */
export interface JobRun {
  id: string;
  queue: 'jobs' | 'events';
  name: string;
  plugin: string | null;
  state: 'active' | 'waiting' | 'delayed' | 'completed' | 'failed';
  progress: number | null;
  attemptsMade: number;
  maxAttempts: number;
  failedReason: string | null;
  timestamp: number;
  processedOn: number | null;
  finishedOn: number | null;
}
export interface FailedJob {
  id: string;
  name?: string;
  failedReason?: string;
  attemptsMade?: number;
  timestamp?: number | string;
  finishedOn?: number | string;
  data?: unknown;
}

/** One sign-in (a device or browser) of the current user that has not ended. */
export interface SignIn {
  id: string;
  tenant: { id: string; name: string };
  ip: string | null;
  userAgent: string | null;
  signedInAt: string;
  lastActiveAt: string;
  current: boolean;
}
