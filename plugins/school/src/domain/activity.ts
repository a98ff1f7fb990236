import type { RequestContext } from '@atrium/sdk';

/**
 * The history on a student's or a lead's page: what happened, by whom, when (append-only
 * `school.activity`). `kind` is a stable code the UI words in the reader's language
 * (`invoice.created`, `attendance.marked`, `lead.moved`…); `data` carries what the sentence needs.
 */
export async function recordActivity(
  ctx: Pick<RequestContext, 'sql' | 'tenantId' | 'user'>,
  about: { studentId?: string | null; leadId?: string | null },
  kind: string,
  data: Record<string, unknown> = {},
): Promise<void> {
  await ctx.sql(
    'insert into school.activity (tenant_id, student_id, lead_id, kind, data, user_id) values ($1::uuid, $2::uuid, $3::uuid, $4::text, $5::jsonb, $6::uuid)',
    [ctx.tenantId, about.studentId ?? null, about.leadId ?? null, kind, JSON.stringify(data), ctx.user?.id ?? null],
  );
}
