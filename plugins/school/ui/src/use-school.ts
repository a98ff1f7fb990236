import { useAtrium } from '@atrium/sdk/ui';
import { useI18n } from 'vue-i18n';
import { schoolApi } from './api.ts';

/** What every school page needs: the host, the API, the translator and the centre's formats. */
export function useSchool() {
  const atrium = useAtrium();
  const { t, te } = useI18n();
  return {
    atrium,
    t,
    te,
    api: schoolApi(atrium.http),
    money: (minor: number, currency: string) => atrium.format.money(minor, currency),
    date: (d: string | null | undefined) => (d ? atrium.format.date(`${d.slice(0, 10)}T12:00:00Z`, 'date') : '—'),
    time: (iso: string) => atrium.format.date(iso, 'time'),
    /** A server error as the shell shows it (the kernel sends its message in the user's language). */
    fail: (e: unknown) => atrium.notifyError(e),
    /** A new key per thing the person means to do once (a student, a payment). */
    newKey: () => (globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`),
  };
}
