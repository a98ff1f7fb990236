import crypto from 'node:crypto';
import { ConflictError, UnprocessableError, type RequestContext } from '@atrium/sdk';
import { recordActivity } from './activity.ts';

/**
 * A student joins a group. The seat is taken first, by a guarded update of the group's counter
 * (`enrolled_count < capacity`), so however many managers enrol at once the capacity holds: the
 * last seat goes to one of them and the others get 409 GROUP_FULL. A trial or paused student
 * becomes active.
 */
export async function enrolStudent(ctx: Pick<RequestContext, 'sql' | 'tenantId' | 'user'>, e: { groupId: string; studentId: string; joinedOn: string }): Promise<{ enrolmentId: string; enrolled: number }> {
  const [g] = await ctx.sql<{ name: string; status: string; capacity: number }>('select name, status, capacity from school.study_group where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, e.groupId]);
  if (!g) throw new UnprocessableError('No such group (groupId)', 'UNKNOWN_REFERENCE', { field: 'groupId', subject: 'school.Group' });
  if (g.status !== 'active') throw new UnprocessableError('The group is archived', 'GROUP_ARCHIVED', { field: 'groupId' });
  const [s] = await ctx.sql<{ status: string }>('select status from school.student where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, e.studentId]);
  if (!s || s.status === 'left') throw new UnprocessableError('No such student (studentId)', 'UNKNOWN_REFERENCE', { field: 'studentId', subject: 'school.Student' });
  const [already] = await ctx.sql(`select 1 from school.enrolment where tenant_id = $1::uuid and group_id = $2::uuid and student_id = $3::uuid and status = 'active'`, [ctx.tenantId, e.groupId, e.studentId]);
  if (already) throw new ConflictError('The student is already in this group', 'ALREADY_ENROLLED', { field: 'studentId' });
  const seat = await ctx.sql<{ enrolled_count: number }>(
    `update school.study_group set enrolled_count = enrolled_count + 1, updated_at = now() where tenant_id = $1::uuid and id = $2::uuid and enrolled_count < capacity returning enrolled_count`,
    [ctx.tenantId, e.groupId],
  );
  if (!seat.length) throw new ConflictError(`The group is full (${g.capacity} students)`, 'GROUP_FULL', { capacity: g.capacity });
  const enrolmentId = crypto.randomUUID();
  await ctx.sql(`insert into school.enrolment (tenant_id, id, group_id, student_id, joined_on) values ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::date)`, [ctx.tenantId, enrolmentId, e.groupId, e.studentId, e.joinedOn]);
  await ctx.sql(`update school.student set status = 'active', updated_at = now(), version = version + 1 where tenant_id = $1::uuid and id = $2::uuid and status in ('trial', 'paused')`, [ctx.tenantId, e.studentId]);
  await recordActivity(ctx, { studentId: e.studentId }, 'group.joined', { groupId: e.groupId, groupName: g.name, joinedOn: e.joinedOn });
  return { enrolmentId, enrolled: Number(seat[0]!.enrolled_count) };
}
