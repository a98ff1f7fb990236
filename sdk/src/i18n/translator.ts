import { catalogText, type MessageCatalog, type MessageCatalogs } from './catalog.ts';
import { localizeError, type ErrorTexts, type WireError } from './localize-error.ts';
import { formatMessage, type FormatOptions, type MessageParams } from './message-format.ts';
import { PSEUDO_LOCALE, type Locale, type RenderLocale } from './locales.ts';
import { pseudoText } from './pseudo.ts';

/** What the translator needs to know of a plugin. */
export interface TranslatedPlugin {
  id: string;
  displayName?: Partial<Record<string, string>>;
  messages?: Partial<MessageCatalogs>;
}

/**
 * Words for one reader, from the platform catalog and the plugins' catalogs: errors by code,
 * permission subjects and actions, roles, settings, e-mails. The same code runs in the kernel
 * (errors and e-mails in the request's or recipient's language) and in the admin (settings forms,
 * the roles screen). A plugin's own keys are looked up in its catalog first, then the platform's.
 */
export class Translator {
  private readonly platform: Partial<MessageCatalogs>;
  private readonly plugins: () => Iterable<TranslatedPlugin>;

  constructor(platform: Partial<MessageCatalogs>, plugins: () => Iterable<TranslatedPlugin> = () => []) {
    this.platform = platform;
    this.plugins = plugins;
  }

  private plugin(id: string | undefined): TranslatedPlugin | undefined {
    if (!id) return undefined;
    for (const p of this.plugins()) if (p.id === id) return p;
    return undefined;
  }

  /** Catalogs to search, most specific first: the plugin's, the platform's, then every other plugin's. */
  private catalogs(locale: Locale, pluginId?: string): MessageCatalog[] {
    const out: MessageCatalog[] = [];
    const own = this.plugin(pluginId)?.messages?.[locale];
    if (own) out.push(own);
    const platform = this.platform[locale];
    if (platform) out.push(platform);
    for (const p of this.plugins()) if (p.id !== pluginId && p.messages?.[locale]) out.push(p.messages[locale]!);
    return out;
  }

  /** The raw message at `path` (`['errors', 'SKU_TAKEN']`), falling back to English. */
  template(locale: Locale, path: string[], pluginId?: string): string | undefined {
    for (const l of locale === 'en' ? ['en' as const] : [locale, 'en' as const]) {
      for (const c of this.catalogs(l, pluginId)) {
        const t = catalogText(c, ...path);
        if (t !== undefined) return t;
      }
    }
    return undefined;
  }

  /** A formatted message, or undefined when no catalog has it. In the pseudo-locale, English marked with ⟦ ⟧. */
  text(locale: RenderLocale, path: string[], params: MessageParams = {}, pluginId?: string, options?: FormatOptions): string | undefined {
    const lang: Locale = locale === PSEUDO_LOCALE ? 'en' : locale;
    const t = this.template(lang, path, pluginId);
    if (t === undefined) return undefined;
    const s = formatMessage(t, params, lang, options);
    return locale === PSEUDO_LOCALE ? pseudoText(s) : s;
  }

  /** A plugin's display name in the locale (the manifest's `displayName`). */
  pluginName(locale: RenderLocale, pluginId: string): string {
    const names = this.plugin(pluginId)?.displayName;
    const name = names?.[locale === PSEUDO_LOCALE ? 'en' : locale] ?? names?.en ?? pluginId;
    return locale === PSEUDO_LOCALE ? pseudoText(name) : name;
  }

  /** `pos.Sale` → «Продажи»; the subject's own plugin catalog first. */
  subjectName(locale: RenderLocale, subject: string): string | undefined {
    return this.text(locale, ['permissions', 'subjects', subject, 'name'], {}, pluginOf(subject));
  }

  /** An action's name, the subject's own wording (`pos.Sale:void`) before the general one (`void`). */
  actionName(locale: RenderLocale, action: string, subject?: string): string | undefined {
    const own = subject ? pluginOf(subject) : undefined;
    return (subject ? this.text(locale, ['permissions', 'actions', `${subject}:${action}`], {}, own) : undefined) ?? this.text(locale, ['permissions', 'actions', action], {}, own);
  }

  /** A role's name: built-in roles from the platform, plugin roles (`cashier`) from the plugin that grants them. */
  roleName(locale: RenderLocale, role: string): string | undefined {
    return this.text(locale, ['roles', role]);
  }

  /** A non-permission thing a plugin names in errors (`pos.Category`): `entities` in its catalog. */
  entityName(locale: RenderLocale, entity: string): string | undefined {
    return this.text(locale, ['entities', entity], {}, pluginOf(entity));
  }

  /** What `localizeError` needs for one language. */
  errorTexts(locale: Locale, pluginId?: string): ErrorTexts {
    return {
      error: (code) => this.template(locale, ['errors', code], pluginId),
      field: (code) => this.template(locale, ['fields', code], pluginId),
      fieldItem: this.template(locale, ['validation', 'item']) ?? '{field}: {message}',
      subject: (s) => this.subjectName(locale, s) ?? this.entityName(locale, s),
      action: (a, s) => this.actionName(locale, a, s),
      plugin: (id) => this.pluginName(locale, id),
      role: (r) => this.roleName(locale, r),
      rule: (why) => this.template(locale, ['rules', why ?? 'item']),
      locale,
    };
  }

  /** An API error in the reader's language (see `localizeError`). */
  localizeError(err: WireError, locale: RenderLocale, pluginId?: string, options?: FormatOptions): WireError {
    return localizeError(err, locale, (l) => this.errorTexts(l, pluginId), options);
  }
}

/** The plugin id of a namespaced subject or key (`pos.Sale` → `pos`); undefined for the kernel's. */
export function pluginOf(subject: string): string | undefined {
  const id = subject.split('.')[0];
  return id && id !== 'kernel' && id !== subject ? id : undefined;
}
