import { isLocale, type Locale, type MessageParams, type Translator } from '@atrium/sdk/i18n';

/** The first of the candidates that is a language we write in (the recipient's own before the sender's), else English. */
export function mailLocale(...candidates: unknown[]): Locale {
  return (candidates.find(isLocale) as Locale | undefined) ?? 'en';
}

/**
 * An e-mail the kernel sends, in its recipient's language: `mail.<kind>.subject` and `.text` of the
 * platform catalog (sdk/src/i18n/messages), formatted with `params`.
 */
export function mailWords(translator: Translator, locale: Locale, kind: 'invitation' | 'passwordReset', params: MessageParams): { subject: string; text: string } {
  const word = (part: 'subject' | 'text') => translator.text(locale, ['mail', kind, part], params) ?? `mail.${kind}.${part}`;
  return { subject: word('subject'), text: word('text') };
}
