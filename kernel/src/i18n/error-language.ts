import type { IncomingMessage } from 'node:http';
import { negotiateLocale, type Translator, type WireError } from '@atrium/sdk/i18n';

/**
 * An error answer in the reader's language (Accept-Language; the admin sends the language the user
 * chose): `message` and every field's `message` come from the catalogs by code, the params stay in
 * the answer (`code`, `details`, `fields[].code/params`) for programs. The plugin that owns the
 * route (`/api/<plugin>/…`) is asked first, so its codes win over the platform's.
 */
export function localizedErrorBody(translator: Translator, body: { error: WireError }, req: IncomingMessage, path: string): { body: { error: WireError }; language: string } {
  const locale = negotiateLocale(req.headers['accept-language']);
  const pluginId = /^\/api\/([a-z][a-z0-9-]*)\//.exec(path)?.[1];
  return { body: { error: translator.localizeError(body.error, locale, pluginId) }, language: locale };
}

export const isErrorBody = (body: unknown): body is { error: WireError } =>
  !!body && typeof body === 'object' && typeof (body as { error?: { code?: unknown } }).error?.code === 'string';
