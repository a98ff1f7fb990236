// @atrium/sdk/ui — what a plugin's browser code imports from the platform.
//
// A plugin UI bundle is an ES module whose default export is made by defineUiPlugin(). The admin
// shell imports it at runtime, adds its routes under /<pluginId>/…, renders the components its
// manifest contributes to slots (nav, dashboard.widgets, settings, …) and merges its messages
// under the plugin id (so a plugin writes t('notes.list.title')). vue, quasar, vue-router, pinia,
// vue-i18n, @casl/vue and @casl/ability are the shell's own instances (import map), so useQuasar(),
// useI18n() and useAbility() just work.
import { defineComponent, h, inject, onBeforeUnmount, onMounted, type Component, type PropType } from 'vue';

export type Locale = 'en' | 'ru' | 'uk' | 'kk';

export interface UiPluginRoute {
  /** Relative to /<pluginId>: '' is the plugin's home page, ':id' a detail page. */
  path: string;
  component: Component;
  /** Unique within the plugin; the shell names the route `plugin:<id>:<name>`. */
  name?: string;
  meta?: Record<string, unknown>;
}

/** Messages per locale; nested objects allowed. en is the fallback. */
export type UiMessages = Partial<Record<Locale, Record<string, unknown>>> & { en: Record<string, unknown> };

export interface UiPluginDefinition {
  routes?: UiPluginRoute[];
  /** Components referred to by name from the manifest's `ui.contributions[].component`. */
  components?: Record<string, Component>;
  messages?: UiMessages;
}

export interface UiPluginModule extends UiPluginDefinition {
  readonly __atrium: 'ui-plugin@1';
}

export function defineUiPlugin(def: UiPluginDefinition): UiPluginModule {
  for (const r of def.routes ?? []) {
    if (r.path.startsWith('/')) throw new Error(`defineUiPlugin: route paths are relative to the plugin ("${r.path}")`);
  }
  return { ...def, __atrium: 'ui-plugin@1' };
}

// ---- what the shell gives plugin code ------------------------------------------------------

export interface ApiErrorLike extends Error {
  status: number;
  code: string;
  fields: { field: string; message: string }[];
  details: Record<string, unknown>;
  fieldMap(): Record<string, string>;
}

type Query = Record<string, string | number | boolean | undefined | null>;

/**
 * The request headers plugin code may set — the ones the kernel honours for plugin actions:
 * - `Idempotency-Key`: a retry with the same key returns the first result (actions declared
 *   `idempotent: true`); one key per user intent, at most 200 characters.
 * - `Accept-Language`: becomes `ctx.meta.locale` on the server (by default the browser's own).
 *
 * The shell refuses any other header (the promise rejects with a TypeError and nothing is sent):
 * `Authorization`, `Cookie`, `Host` and the like belong to the shell's session, and conditional
 * headers such as `If-Match` are not passed to actions (send a record's version in the body).
 * Values must be 1–200 printable ASCII characters. Names are case-insensitive.
 */
export type AtriumRequestHeader = 'Idempotency-Key' | 'Accept-Language';

export interface AtriumRequestOptions {
  /** Only the headers in {@link AtriumRequestHeader}; an `undefined` value is skipped. */
  headers?: Partial<Record<AtriumRequestHeader, string | undefined>>;
  signal?: AbortSignal;
}

/** {@link AtriumHttp.upload}: a raw request body for a `raw: true` action. */
export interface AtriumUploadOptions extends AtriumRequestOptions {
  /**
   * The body's media type (`'text/csv'`, `'image/jpeg'`, …), sent as Content-Type and given to the
   * action as `$contentType`. Required unless the body is a Blob/File with a type of its own.
   */
  contentType?: string;
  query?: Query;
  /** Default POST. */
  method?: 'POST' | 'PUT';
}

/** {@link AtriumHttp.download}: a file with the user's session. */
export interface AtriumDownloadOptions extends AtriumRequestOptions {
  query?: Query;
}

/** What {@link AtriumHttp.download} resolves with. */
export interface AtriumDownload {
  blob: Blob;
  /** From the response's Content-Disposition (`filename*` preferred), else the path's last segment. */
  filename: string;
  contentType: string;
}

/**
 * The kernel API with the user's session. Paths must start with `/api/` (the shell refuses other
 * URLs: it would be sending the user's token there).
 *
 * ```ts
 * const key = crypto.randomUUID(); // once per user intent, reused when the user retries
 * await atrium.http.post(`/api/payments/intents/${id}/refunds`, { amount }, { headers: { 'Idempotency-Key': key } });
 * ```
 */
export interface AtriumHttp {
  /** The third argument may be an AbortSignal (as before) or options. */
  get<T>(path: string, query?: Query, signalOrOptions?: AbortSignal | AtriumRequestOptions): Promise<T>;
  post<T>(path: string, body?: unknown, options?: AtriumRequestOptions): Promise<T>;
  put<T>(path: string, body: unknown, options?: AtriumRequestOptions): Promise<T>;
  patch<T>(path: string, body: unknown, options?: AtriumRequestOptions): Promise<T>;
  delete<T>(path: string, options?: AtriumRequestOptions): Promise<T>;
  /**
   * Sends the bytes as the request body (not JSON) to a raw-body route (`raw: true` in the
   * action definition; the handler gets `$body` as base64 and `$contentType`). The answer is the
   * action's JSON result. Auth, refresh, `/api/` paths and the header allowlist as above.
   *
   * ```ts
   * const file = input.files[0]; // a File is a Blob with a type
   * await atrium.http.upload('/api/notes/attachments', file, { query: { noteId } });
   * await atrium.http.upload('/api/pos/products/import', await file.arrayBuffer(), { contentType: 'text/csv', query: { dryRun: true } });
   * ```
   */
  upload<T>(path: string, body: Blob | ArrayBuffer | ArrayBufferView, options: AtriumUploadOptions): Promise<T>;
  /**
   * GETs a file with the user's session — a link would not carry the token. Errors are
   * ApiErrorLike as for the other calls. Offer the result to the user with {@link saveFile}.
   */
  download(path: string, options?: AtriumDownloadOptions): Promise<AtriumDownload>;
}

/**
 * A small JSON message the kernel pushes to the tenant's open admin sessions over the shell's one
 * socket: `{ type: 'devices.job', job }` when a device job changes state (printed, failed…),
 * `{ type: 'plugins.changed', … }`, `{ type: 'devices.scan', … }`. Treat unknown types as noise.
 */
export type LiveMessage = { type: string; [k: string]: unknown };

export interface AtriumHost {
  version: 1;
  /** Calls the kernel with the user's session (auth header, refresh on 401). Errors are ApiErrorLike. */
  http: AtriumHttp;
  /** A toast with the server's message (or a generic one). */
  notifyError(e: unknown): void;
  notifySuccess(message: string): void;
  /** A confirmation dialog; typeToConfirm makes the user type a word first. */
  confirm(opts: { title: string; message: string; ok?: string; danger?: boolean; typeToConfirm?: string }): Promise<boolean>;
  format: {
    date(value: string | number | Date | null | undefined, style?: 'date' | 'datetime' | 'time'): string;
    relative(value: string | number | Date): string;
    number(n: number, opts?: Intl.NumberFormatOptions): string;
    /** Integer minor units + ISO currency (KZT, UAH, RUB, USD, EUR, …). */
    money(minor: number, currency: string): string;
  };
  locale(): Locale;
  /**
   * Calls `fn` for every message the kernel pushes (see {@link LiveMessage}) until the returned
   * function is called. Inside a component, {@link useLiveMessages} does the unsubscribing.
   */
  onLive(fn: (message: LiveMessage) => void): () => void;
  user(): { id: string; email: string; displayName?: string } | null;
  tenant(): { id: string; name: string } | null;
  /** The user's permissions (the shell's CASL ability); use {@link useAbility}. */
  ability: AtriumAbility;
  /** The shell's own components, for the wrappers below (use those: they are typed). */
  components: { PluginSettingsForm: Component };
}

/**
 * What the user may do, from the rules the kernel sent the shell: `can('refund', 'payments.Intent')`.
 * Reactive — a template or computed that asks re-evaluates when the user's permissions change
 * (roles edited, plugin enabled). It hides what the user may not do; the kernel checks every call
 * again, row rules included.
 */
export interface AtriumAbility {
  /** `subject`: a subject name, or a row tagged with one (`subject('notes.Note', note)` from `@casl/ability`) to test its conditions. */
  can(action: string, subject: string | object, field?: string): boolean;
  cannot(action: string, subject: string | object, field?: string): boolean;
}

/** The shell's services for plugin components. Call inside setup(). */
export function useAtrium(): AtriumHost {
  const host = inject<AtriumHost | null>(Symbol.for('atrium.host'), null);
  if (!host) throw new Error('useAtrium(): not running inside the Atrium admin shell');
  return host;
}

/** The user's permissions in the shell: `const { can } = useAbility()`. Call inside setup(). */
export function useAbility(): AtriumAbility {
  return useAtrium().ability;
}

/**
 * Calls `fn` for every message the kernel pushes while the calling component is mounted — instead
 * of polling an endpoint for a state the kernel announces anyway (a receipt's print job):
 *
 * ```ts
 * useLiveMessages((m) => { if (m.type === 'devices.job' && (m.job as { id: string }).id === jobId) state.value = (m.job as { state: string }).state; });
 * ```
 */
export function useLiveMessages(fn: (message: LiveMessage) => void): void {
  const host = useAtrium();
  let stop: (() => void) | null = null;
  onMounted(() => { stop = host.onLive(fn); });
  onBeforeUnmount(() => stop?.());
}

/**
 * A plugin's settings as `GET /api/plugins/:id` answers them — what {@link PluginSettingsForm} edits.
 * Secrets are write-only: `settings` holds null for them, `secretsSet` says which are stored.
 */
export interface PluginSettingsInfo {
  id: string;
  /** The manifest's `settings.schema` (JSON Schema of an object). */
  settingsSchema: object | null;
  /** The form's words per language (the plugin catalogs' `settings`). */
  settingsText?: Record<string, Record<string, { title?: string; description?: string; enum?: Record<string, string>; unit?: string }>>;
  secretFields: string[];
  secretsSet: string[];
  settings: Record<string, unknown>;
}

/**
 * The shell's settings form for a plugin — the one its plugin manager shows — inside your own page
 * or dialog: fields from the settings schema (secrets write-only, lists of secrets for rotation),
 * checks, Save through `PUT /api/plugins/:id/settings` with the server's field errors on the
 * inputs, and Cancel. Emits `saved` with the plugin's new state (`GET /api/plugins/:id`'s shape)
 * and `cancel`. The form carries its own Save/Cancel row; put it in a `QCard`.
 *
 * ```vue
 * <QCard><PluginSettingsForm :plugin="provider" @saved="onSaved" @cancel="close" /></QCard>
 * ```
 */
export const PluginSettingsForm = defineComponent({
  name: 'AtriumPluginSettingsForm',
  props: { plugin: { type: Object as PropType<PluginSettingsInfo>, required: true } },
  emits: { saved: (_plugin: PluginSettingsInfo & Record<string, unknown>) => true, cancel: () => true },
  setup(props, { emit }) {
    const host = useAtrium();
    return () => h(host.components.PluginSettingsForm, { plugin: props.plugin, onSaved: (p: PluginSettingsInfo & Record<string, unknown>) => emit('saved', p), onCancel: () => emit('cancel') });
  },
});

/**
 * Offers a downloaded file to the user (the browser's "save" for an object URL). For
 * `atrium.http.download()` results: `saveFile(await atrium.http.download(path))`. The save happens
 * after the fetch, outside the click that asked for it, so Chromium asks the user once before a
 * page starts a second such download ("download multiple files").
 */
export function saveFile(file: { blob: Blob; filename: string }): void {
  const url = URL.createObjectURL(file.blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = file.filename;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // the click has started the download; give the browser a moment before the URL goes
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** True when an error from useAtrium().http is the kernel's { error } answer. */
export function isApiError(e: unknown, code?: string): e is ApiErrorLike {
  return e instanceof Error && typeof (e as ApiErrorLike).code === 'string' && (code === undefined || (e as ApiErrorLike).code === code);
}

// ---- hardware read in the browser ----------------------------------------------------------

/**
 * Keyboard-wedge barcode scanners (they "type" the code): `new KeyboardWedge({ onScan })`, then feed
 * every `keydown` to `wedge.handle(e)`. Decodes from `KeyboardEvent.code`, so a Russian (or any)
 * layout does not turn "ABC123" into "ФИС123"; fast key runs ended by Enter/Tab are scans, a
 * person's typing is left alone. The same implementation the admin's scanner test page uses
 * (`@atrium/devices/browser`), re-exported here because plugins import only `@atrium/sdk`. It is
 * plain code with no shared state, so it is bundled into the plugin's UI like the rest of this module.
 */
export { KeyboardWedge, charForCode, type KeyboardWedgeOptions, type WedgeKeyEvent } from '@atrium/devices/browser';

/** Minor-unit digits of a currency (KZT 2, JPY 0): the same lookup the server uses. */
export { currencyDigits } from '../src/money.ts';
/** A UUID's canonical text, as the kernel checks ids. */
export { UUID_PATTERN, isUuid } from '../src/uuid.ts';

/** Server-side lists (QTable in server mode): one composable for the shell and every plugin. */
export { useServerTable, type ListQuery, type Page, type ListFilters, type ServerTable, type ServerTableOptions, type TablePagination } from './use-server-table.ts';
