import type { ServiceSchema } from 'moleculer';
import { Type } from 'typebox';
import type { KernelDeps } from '../kernel-deps.ts';
import { kernelActions } from './kernel-action.ts';
import { ListParams, orderBy } from './list-params.ts';

export function auditService(_deps: () => KernelDeps): ServiceSchema {
  return {
    name: 'audit',
    actions: kernelActions('audit', {
      list: {
        rest: 'GET /',
        permission: ['read', 'kernel.Audit'],
        params: Type.Object({
          limit: ListParams.limit,
          offset: ListParams.offset,
          sort: ListParams.sort,
          action: Type.Optional(Type.String({ maxLength: 120 })),
          subject: Type.Optional(Type.String({ maxLength: 120 })),
          userId: Type.Optional(Type.String({ format: 'uuid' })),
          targetId: Type.Optional(Type.String({ maxLength: 120 })),
          from: Type.Optional(Type.String({ format: 'date-time' })),
          to: Type.Optional(Type.String({ format: 'date-time' })),
        }, { additionalProperties: false }),
        async handler(ctx) {
          const { limit = 20, offset = 0, sort, action, subject, userId, targetId, from, to } = ctx.params;
          const order = orderBy(sort, { at: 'a.at', action: 'a.action' }, 'a.at desc');
          const where: string[] = ['true'];
          const args: unknown[] = [];
          if (action) { where.push('a.action like ?'); args.push(`${action.replace(/[%_]/g, '')}%`); }
          if (subject) { where.push('a.subject = ?'); args.push(subject); }
          if (userId) { where.push('a.user_id = ?'); args.push(userId); }
          if (targetId) { where.push('a.target_id = ?'); args.push(targetId); }
          if (from) { where.push('a.at >= ?'); args.push(from); }
          if (to) { where.push('a.at < ?'); args.push(to); }
          const em = ctx.locals.em;
          const items = await em.execute(`select a.id::text as id, a.at, a.user_id as "userId", u.email as "userEmail", a.action, a.subject, a.target_id as "targetId", a.diff, a.request_id as "requestId"
            from kernel.audit a left join kernel."user" u on u.id = a.user_id where ${where.join(' and ')} order by ${order}, a.id desc limit ? offset ?`, [...args, limit, offset]);
          const [{ n }] = await em.execute(`select count(*)::int as n from kernel.audit a where ${where.join(' and ')}`, args);
          return { items, total: n };
        },
      },
    }),
  };
}
