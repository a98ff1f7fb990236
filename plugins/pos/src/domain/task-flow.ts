import { ForbiddenError, UnprocessableError } from '@atrium/sdk';
import type { TaskStatus } from '../entities/task.ts';

/**
 * The six statuses of a staff task and who may move it where.
 *
 *   new ──assign──▶ assigned ──▶ in_progress ──▶ on_review ──▶ done
 *                      ▲             │   ▲            │
 *                      └── pause ────┘   └── rework ──┘          (any open status) ──▶ canceled
 *
 * The assignee works the task (start, pause, send for review, take back from review). Decisions
 * are a manager's — anyone holding `assign` on pos.Task: accepting the work (→ done), cancelling,
 * reopening a done or cancelled task, and unassigning (→ new).
 */
export const TRANSITIONS: Record<TaskStatus, readonly TaskStatus[]> = {
  new: ['assigned', 'in_progress', 'canceled'],
  assigned: ['new', 'in_progress', 'canceled'],
  in_progress: ['assigned', 'on_review', 'done', 'canceled'],
  on_review: ['in_progress', 'done', 'canceled'],
  done: ['in_progress'],
  canceled: ['new'],
};

const OPEN: readonly TaskStatus[] = ['new', 'assigned', 'in_progress', 'on_review'];
export const isOpen = (s: TaskStatus) => OPEN.includes(s);

/** Moves that need the `assign` permission on top of `update` on the task. */
export function needsManager(from: TaskStatus, to: TaskStatus): boolean {
  return to === 'done' || to === 'canceled' || to === 'new' || from === 'done' || from === 'canceled';
}

/**
 * Checks a status change: 422 naming the transition when the flow does not allow it,
 * 403 when it is a manager's decision and the caller may not assign tasks.
 */
export function checkTransition(from: TaskStatus, to: TaskStatus, canManage: boolean): void {
  if (!TRANSITIONS[from].includes(to)) {
    throw new UnprocessableError(`A task cannot go from ${from} to ${to} (status)`, 'INVALID_TRANSITION', {
      field: 'status', from, to, allowed: TRANSITIONS[from],
    });
  }
  if (needsManager(from, to) && !canManage) {
    throw new ForbiddenError(`Only a manager may move a task from ${from} to ${to}`, 'TASK_DECISION', { from, to });
  }
}
