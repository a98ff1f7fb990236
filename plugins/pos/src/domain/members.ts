import { ForbiddenError, UnprocessableError, type RequestContext } from '@atrium/sdk';

export type TenantMember = { userId: string; email: string; displayName: string | null; roles: string[] };

/**
 * The tenant member with this user id, through the kernel's own `tenants.listMembers` (never its
 * tables), or a 422 naming `field`. Runs as the calling user, so it needs `read kernel.Member`
 * — managers, admins and owners have it; they are the ones who assign tasks.
 * Staff lists are small (tens), so paging through them is cheaper than it sounds.
 */
export async function requireMember(ctx: RequestContext, userId: string, field = 'assigneeId'): Promise<TenantMember> {
  for (let offset = 0; ; offset += 200) {
    const page = await ctx.call<{ items: TenantMember[]; total: number }>('tenants.listMembers', { limit: 200, offset }).catch((e) => {
      // a custom role with `assign` but without `read kernel.Member`: say what is missing
      if ((e as { code?: number }).code === 403) throw new ForbiddenError('Assigning tasks also needs permission to see the team (read kernel.Member)', 'MEMBERS_NOT_VISIBLE', { field });
      throw e;
    });
    const found = page.items.find((m) => m.userId === userId);
    if (found) return found;
    if (offset + page.items.length >= page.total || !page.items.length) break;
  }
  throw new UnprocessableError(`User ${userId} is not a member of this business (${field})`, 'NOT_A_MEMBER', { field, userId });
}
