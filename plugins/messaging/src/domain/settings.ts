import type { RequestContext } from '@atrium/sdk';
import type { QuietHours } from './quiet-hours.ts';
import type { Locale } from './templates.ts';

/** The tenant's messaging settings (manifest `settings.schema`; defaults applied by the kernel). */
export interface MessagingSettings {
  /** Public https base of this platform (webhook URLs); without one, accounts that can poll do. */
  publicBaseUrl?: string;
  /** IANA zone for quiet hours and dates in templates. */
  timeZone: string;
  /** The locale templates fall back to when a contact's is unknown. */
  defaultLocale: Locale;
  quietHours?: QuietHours;
  /** Days after which message bodies and attachments are deleted (0: kept). */
  retentionDays: number;
  optOutWords?: string[];
  optInWords?: string[];
}

export async function messagingSettings(ctx: Pick<RequestContext, 'settings'>): Promise<MessagingSettings> {
  const s = await ctx.settings<Partial<MessagingSettings>>();
  return {
    ...s,
    timeZone: s.timeZone || 'UTC',
    defaultLocale: s.defaultLocale ?? 'ru',
    retentionDays: s.retentionDays ?? 0,
  };
}

/** This account's webhook URL: `<publicBaseUrl>/api/messaging/inbound/<tenant>/<account>`, or null without a public URL. */
export function webhookUrl(settings: Pick<MessagingSettings, 'publicBaseUrl'>, tenantId: string, accountId: string): string | null {
  if (!settings.publicBaseUrl) return null;
  return `${settings.publicBaseUrl.replace(/\/+$/, '')}/api/messaging/inbound/${tenantId}/${accountId}`;
}
