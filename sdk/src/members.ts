import { ForbiddenError, UnprocessableError } from './errors.ts';
import type { RequestContext } from './plugin.ts';

export type TenantMember = { userId: string; email: string; displayName: string | null; roles: string[] };

/**
 * The tenant member with this user id, through the kernel's `tenants.listMembers` (never its
 * tables), or a 422 NOT_A_MEMBER naming `field`. It runs as the calling user, so choosing a member
 * (an assignee, the sign-in of a teacher) needs `read kernel.Member` — 403 MEMBERS_NOT_VISIBLE
 * without it. Allowlist `tenants.listMembers` in the manifest's `calls`. Staff lists are small
 * (tens), so paging through them is cheaper than it sounds.
 */
export async function requireMember(ctx: Pick<RequestContext, 'call'>, userId: string, field: string): Promise<TenantMember> {
  for (let offset = 0; ; offset += 200) {
    const page = await ctx.call<{ items: TenantMember[]; total: number }>('tenants.listMembers', { limit: 200, offset }).catch((e) => {
      if ((e as { code?: number }).code === 403) throw new ForbiddenError('Choosing a member also needs permission to see the team (read kernel.Member)', 'MEMBERS_NOT_VISIBLE', { field });
      throw e;
    });
    const found = page.items.find((m) => m.userId === userId);
    if (found) return found;
    if (offset + page.items.length >= page.total || !page.items.length) break;
  }
  throw new UnprocessableError(`User ${userId} is not a member of this centre (${field})`, 'NOT_A_MEMBER', { field, userId });
}
