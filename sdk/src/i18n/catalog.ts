import type { Locale } from './locales.ts';

/**
 * A message catalog: what the platform and each plugin translate, in one JSON file per language
 * (`messages/en.json`, `ru.json`, `uk.json`, `kk.json`). Every text is an ICU message
 * (see `formatMessage`). All sections are optional; `atrium-plugin verify` checks that the four
 * files have the same keys and arguments.
 */
export interface MessageCatalog {
  /** Error codes → message, with the error's `details` as arguments: `"SKU_TAKEN": "SKU {sku} is taken"`. */
  errors?: Record<string, string>;
  /**
   * Field problem codes → message, with the field entry's `params` as arguments. The platform
   * catalog has the JSON Schema keywords (`required`, `maxLength`, `format`, …) and common codes; a
   * plugin adds its own. A field code found in neither `fields` nor `errors` shows its English text.
   */
  fields?: Record<string, string>;
  /** Settings form texts, by settings key (nested objects by their dotted path). */
  settings?: Record<string, SettingText>;
  /** Names of permission subjects and actions, for the roles screen. */
  permissions?: {
    /** `"pos.Sale": { "name": "Sales", "description": "…" }` */
    subjects?: Record<string, { name: string; description?: string }>;
    /** Actions by name (`"void": "Void sales"`), or by `subject:action` when a subject needs its own words. */
    actions?: Record<string, string>;
  };
  /** Names of roles the plugin declares in its default grants (`"cashier": "Cashier"`). */
  roles?: Record<string, string>;
  /** Anything else the plugin renders on the server (receipts, e-mails). */
  [section: string]: unknown;
}

export interface SettingText {
  title: string;
  description?: string;
  /** Labels of `enum` values: `{ "off": "Off", "hook": "Through a fiscal plugin" }`. */
  enum?: Record<string, string>;
  /** A unit shown after the value (`"minutes"`, `"days"`); money and basis points need none (the schema's `x-unit` says). */
  unit?: string;
}

export type MessageCatalogs = { [L in Locale]: MessageCatalog };

/** A dotted path into a catalog: `get(cat, 'errors', 'SKU_TAKEN')`. */
export function catalogText(catalog: MessageCatalog | undefined, ...path: string[]): string | undefined {
  let node: unknown = catalog;
  for (const key of path) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'string' ? node : undefined;
}

/** Every string leaf of a catalog by dotted key (`settings.currency.title`). */
export function catalogKeys(catalog: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (catalog && typeof catalog === 'object') {
    for (const [k, v] of Object.entries(catalog)) {
      if (typeof v === 'string') out.set(prefix + k, v);
      else for (const [kk, vv] of catalogKeys(v, `${prefix}${k}.`)) out.set(kk, vv);
    }
  }
  return out;
}
