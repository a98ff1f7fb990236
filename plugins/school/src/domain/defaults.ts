import type { TenantHookContext } from '@atrium/sdk';

/**
 * What a centre starts with when it enables the plugin: the usual lead pipeline, sources and
 * reasons to reject. They carry codes, worded in each reader's language until someone renames them.
 */
export const DEFAULT_LEAD_STATUSES = [
  { code: 'new', kind: 'open', color: '#2196f3' },
  { code: 'contacted', kind: 'open', color: '#00bcd4' },
  { code: 'trial_booked', kind: 'open', color: '#ff9800' },
  { code: 'trial_done', kind: 'open', color: '#9c27b0' },
  { code: 'enrolled', kind: 'won', color: '#4caf50' },
  { code: 'rejected', kind: 'lost', color: '#9e9e9e' },
] as const;
export const DEFAULT_LEAD_SOURCES = ['call', 'website', 'social', 'referral', 'walk_in'] as const;
export const DEFAULT_REJECT_REASONS = ['price', 'schedule', 'location', 'no_answer', 'chose_other'] as const;

export async function seedDefaults(ctx: TenantHookContext): Promise<void> {
  const run = (sql: string, params: unknown[]) => ctx.em.execute(sql, params);
  const [{ n }] = await run('select count(*)::int as n from school.lead_status where tenant_id = ?', [ctx.tenantId]);
  if (n > 0) return;
  for (const [i, s] of DEFAULT_LEAD_STATUSES.entries()) {
    await run('insert into school.lead_status (tenant_id, id, code, kind, color, position) values (?, gen_random_uuid(), ?, ?, ?, ?)', [ctx.tenantId, s.code, s.kind, s.color, i]);
  }
  for (const [i, code] of DEFAULT_LEAD_SOURCES.entries()) await run('insert into school.lead_source (tenant_id, id, code, position) values (?, gen_random_uuid(), ?, ?)', [ctx.tenantId, code, i]);
  for (const [i, code] of DEFAULT_REJECT_REASONS.entries()) await run('insert into school.lead_reject_reason (tenant_id, id, code, position) values (?, gen_random_uuid(), ?, ?)', [ctx.tenantId, code, i]);
}
