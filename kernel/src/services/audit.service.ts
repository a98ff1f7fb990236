import type { ServiceSchema } from 'moleculer';
import { Type } from 'typebox';
import type { KernelDeps } from '../kernel-deps.ts';
import { kernelActions } from './kernel-action.ts';
import { likePattern, ListParams, orderBy } from './list-params.ts';

/** What `sort` may name; the id breaks ties so pages never overlap. */
const SORTABLE = { at: 'a.at', action: 'a.action', subject: 'a.subject' };

export function auditService(_deps: () => KernelDeps): ServiceSchema {
  return {
    name: 'audit',
    actions: kernelActions('audit', {
      list: {
        rest: 'GET /',
        permission: ['read', 'kernel.Audit'],
        params: Type.Object({
          ...ListParams,
          action: Type.Optional(Type.String({ maxLength: 120 })),
          subject: Type.Optional(Type.String({ maxLength: 120 })),
          userId: Type.Optional(Type.String({ format: 'uuid' })),
          targetId: Type.Optional(Type.String({ maxLength: 120 })),
          from: Type.Optional(Type.String({ format: 'date-time' })),
          to: Type.Optional(Type.String({ format: 'date-time' })),
        }, { additionalProperties: false }),
        async handler(ctx) {
          const { limit = 20, offset = 0, q, sort, action, subject, userId, targetId, from, to } = ctx.params;
          const order = orderBy(sort, SORTABLE, 'a.at desc');
          const where: string[] = ['true'];
          const args: unknown[] = [];
          if (q) {
            // the words a person would type: an action, a subject, a record id or who did it
            where.push('(a.action ilike ? or a.subject ilike ? or a.target_id ilike ? or u.email ilike ?)');
            args.push(...Array(4).fill(likePattern(q)));
          }
          if (action) { where.push('a.action like ?'); args.push(`${action.replace(/[%_]/g, '')}%`); }
          if (subject) { where.push('a.subject = ?'); args.push(subject); }
          if (userId) { where.push('a.user_id = ?'); args.push(userId); }
          if (targetId) { where.push('a.target_id = ?'); args.push(targetId); }
          if (from) { where.push('a.at >= ?'); args.push(from); }
          if (to) { where.push('a.at < ?'); args.push(to); }
          const em = ctx.locals.em;
          const source = 'from kernel.audit a left join kernel."user" u on u.id = a.user_id';
          const items = await em.execute(`select a.id::text as id, a.at, a.user_id as "userId", u.email as "userEmail", a.action, a.subject, a.target_id as "targetId", a.diff, a.request_id as "requestId"
            ${source} where ${where.join(' and ')} order by ${order}, a.id desc limit ? offset ?`, [...args, limit, offset]);
          const [{ n }] = await em.execute(`select count(*)::int as n ${source} where ${where.join(' and ')}`, args);
          return { items, total: n };
        },
      },
    }),
  };
}
