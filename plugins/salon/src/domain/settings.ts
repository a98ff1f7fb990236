import type { RequestContext } from '@atrium/sdk';
import { isTimeZone } from './zoned-time.ts';

export type SalonSettings = { currency: string; timeZone: string; slotStepMinutes: number; holdMinutes: number; reminderOffsetsMinutes: number[] };

/** The tenant's salon settings with their defaults; the zone falls back to the tenant's own. */
export async function salonSettings(ctx: Pick<RequestContext, 'settings' | 'tenant'>): Promise<SalonSettings> {
  const s = await ctx.settings<Partial<SalonSettings>>();
  const own = s.timeZone && isTimeZone(s.timeZone) ? s.timeZone : null;
  const timeZone = own ?? (await ctx.tenant()).timeZone ?? 'UTC';
  return {
    currency: s.currency ?? 'KZT',
    timeZone: isTimeZone(timeZone) ? timeZone : 'UTC',
    slotStepMinutes: s.slotStepMinutes ?? 15,
    holdMinutes: s.holdMinutes ?? 15,
    reminderOffsetsMinutes: s.reminderOffsetsMinutes ?? [1440, 120],
  };
}
