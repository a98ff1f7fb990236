// @atrium/sdk/i18n — the words of the platform, for the kernel, the admin and plugins. No Node
// APIs: the admin bundles it. See docs/plugin-guide.md, "Words".
import en from './messages/en.json' with { type: 'json' };
import kk from './messages/kk.json' with { type: 'json' };
import ru from './messages/ru.json' with { type: 'json' };
import uk from './messages/uk.json' with { type: 'json' };
import type { MessageCatalogs } from './catalog.ts';

/** The platform's catalog: errors of the SDK and kernel, JSON Schema keywords, kernel permissions, built-in roles, e-mails. */
export const platformMessages: MessageCatalogs = { en, ru, uk, kk };

export { LOCALES, PSEUDO_LOCALE, INTL_TAG, isLocale, negotiateLocale, type Locale, type RenderLocale } from './locales.ts';
export { formatMessage, messageArguments, formatMoneyMinor, currencyDigits, type MessageParams, type FormatOptions } from './message-format.ts';
export { catalogText, catalogKeys, type MessageCatalog, type MessageCatalogs, type SettingText } from './catalog.ts';
export { localizeError, type WireError, type WireFieldError, type ErrorTexts } from './localize-error.ts';
export { Translator, pluginOf, type TranslatedPlugin } from './translator.ts';
export { pseudoText, pseudoTemplate, mapMessages, untranslatedWords, PSEUDO_OPEN, PSEUDO_CLOSE } from './pseudo.ts';
