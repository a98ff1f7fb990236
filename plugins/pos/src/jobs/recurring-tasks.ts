import { defineJob, type JobContext } from '@atrium/sdk';
import { requireMember } from '../domain/members.ts';
import { insertTask } from '../domain/tasks.ts';

// the start of the current period, in the database's clock (UTC unless the server says otherwise)
const PERIOD_START = `case recurrence when 'daily' then date_trunc('day', now()) when 'weekly' then date_trunc('week', now()) else date_trunc('month', now()) end`;

/**
 * Makes this period's task for every recurring template that has none yet. Runs every 15 minutes
 * per tenant; `last_generated_at` (set in the same transaction as the task) makes a re-run or a
 * retried job a no-op, and SKIP LOCKED lets two overlapping runs split the work instead of doubling it.
 * A template whose default assignee has left the business is skipped (logged), not failed.
 */
export async function generateRecurringTasks(ctx: JobContext): Promise<{ created: number; skipped: number }> {
  const due = await ctx.em.execute(
    `select * from pos.task_template
      where recurrence is not null and not archived and default_assignee_id is not null
        and (last_generated_at is null or last_generated_at < ${PERIOD_START})
      order by id for update skip locked`,
  );
  let created = 0;
  let skipped = 0;
  for (const tpl of due) {
    try {
      await requireMember(ctx, tpl.default_assignee_id, 'defaultAssigneeId');
    } catch (e) {
      ctx.logger.warn({ templateId: tpl.id, err: String(e) }, 'recurring task template: the default assignee is no longer a member');
      skipped++;
      continue;
    }
    await insertTask(ctx, {
      title: tpl.title, description: tpl.description, priority: tpl.priority, assigneeId: tpl.default_assignee_id, storeId: tpl.store_id,
      dueAt: tpl.due_in_hours ? new Date(Date.now() + tpl.due_in_hours * 3_600_000).toISOString() : null,
      templateId: tpl.id, checklist: (tpl.checklist as string[]).map((text) => ({ text, done: false })),
    });
    await ctx.em.execute('update pos.task_template set last_generated_at = now() where id = ?', [tpl.id]);
    created++;
  }
  return { created, skipped };
}

export const recurringTasksJob = defineJob({
  cron: '*/15 * * * *',
  handler: generateRecurringTasks,
});
