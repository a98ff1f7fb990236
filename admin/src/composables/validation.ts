import { i18n } from '../i18n/index.ts';

// QInput :rules factories. They mirror the kernel's schemas; the kernel stays the authority.
const t = (k: string, p?: Record<string, unknown>) => i18n.global.t(k, p ?? {});
type Rule = (v: unknown) => true | string;

export const required: Rule = (v) => (v !== undefined && v !== null && String(v).trim() !== '') || t('common.required');
export const minLen = (n: number): Rule => (v) => !v || String(v).length >= n || t('common.tooShort', { n });
export const maxLen = (n: number): Rule => (v) => !v || String(v).length <= n || t('common.tooLong', { n });
export const email: Rule = (v) => !v || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(String(v)) || t('common.invalidEmail');
export const totpCode: Rule = (v) => /^\d{6}$/.test(String(v ?? '')) || t('auth.invalidTotp');
export const password = [required, minLen(8), maxLen(200)];
