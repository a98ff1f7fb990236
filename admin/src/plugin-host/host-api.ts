import { Dialog, Notify } from 'quasar';
import { markRaw } from 'vue';
import PluginSettingsForm from '../components/schema-form/PluginSettingsForm.vue';
import { isApiError } from '../api/errors.ts';
import { subscribeLiveMessages } from '../composables/use-live-messages.ts';
import { formatDate, formatMoney, formatNumber, formatRelative } from '../i18n/format.ts';
import { currentLocale, i18n } from '../i18n/index.ts';
import { ability } from '../stores/ability.ts';
import { useSessionStore } from '../stores/session.ts';
import { createPluginHttp } from './plugin-http.ts';

// What the shell hands to plugin code (useAtrium() in @atrium/sdk/ui). Plugins never see tokens:
// they call the kernel through this client, which adds auth and handles refresh, and lets them set
// only the request headers on its allowlist (plugin-http.ts).
export const HOST_KEY = Symbol.for('atrium.host');

export function notifyError(e: unknown) {
  const t = i18n.global.t;
  let message = t('common.unknownError');
  if (isApiError(e)) {
    if (e.code === 'NETWORK') message = t('common.networkError');
    else if (e.code === 'RATE_LIMITED') message = t('common.rateLimited', { s: e.retryAfter ?? 60 });
    else if (e.status === 403 && !e.message) message = t('common.forbidden');
    else message = e.message;
  } else if (e instanceof Error && e.message) {
    message = e.message;
  }
  Notify.create({ type: 'negative', message, position: 'top', timeout: 6000, actions: [{ icon: 'close', color: 'white', round: true }] });
}

export function notifySuccess(message: string) {
  Notify.create({ type: 'positive', message, position: 'top', timeout: 2500 });
}

export function confirmAction(opts: { title: string; message: string; ok?: string; danger?: boolean; typeToConfirm?: string }): Promise<boolean> {
  const t = i18n.global.t;
  return new Promise((resolve) => {
    Dialog.create({
      title: opts.title,
      message: opts.typeToConfirm ? `${opts.message}<br><br>${t('common.typeToConfirm', { word: `<b>${opts.typeToConfirm}</b>` })}` : opts.message,
      html: !!opts.typeToConfirm,
      prompt: opts.typeToConfirm
        ? { model: '', type: 'text', isValid: (v: string) => v === opts.typeToConfirm, outlined: true }
        : undefined,
      cancel: { label: t('common.cancel'), flat: true, color: 'grey-8', noCaps: true },
      ok: { label: opts.ok ?? t('common.confirm'), color: opts.danger ? 'negative' : 'primary', unelevated: true, noCaps: true },
      persistent: true,
    })
      .onOk(() => resolve(true))
      .onCancel(() => resolve(false))
      .onDismiss(() => resolve(false));
  });
}

export function createHostApi() {
  const session = useSessionStore();
  return {
    version: 1 as const,
    http: createPluginHttp(),
    notifyError,
    notifySuccess,
    confirm: confirmAction,
    format: { date: formatDate, relative: formatRelative, number: formatNumber, money: formatMoney },
    locale: currentLocale,
    onLive: subscribeLiveMessages,
    user: () => session.user,
    tenant: () => session.tenant,
    // the app's one ability, made reactive in place by @casl/vue's abilitiesPlugin (main.ts)
    ability: { can: (action: string, subject: string | object, field?: string) => ability.can(action, subject as never, field), cannot: (action: string, subject: string | object, field?: string) => ability.cannot(action, subject as never, field) },
    // what @atrium/sdk/ui's component wrappers render: one implementation, the shell's
    components: { PluginSettingsForm: markRaw(PluginSettingsForm) },
  };
}
