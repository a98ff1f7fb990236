import crypto from 'node:crypto';
import type { ServiceSchema } from 'moleculer';
import { Type } from 'typebox';
import { ConflictError, NotFoundError, ValidationError } from '@atrium/sdk';
import type { KernelDeps } from '../kernel-deps.ts';
import { afterCommit, kernelActions, type KernelCtx } from './kernel-action.ts';
import { ListParams, likePattern, orderBy, pgTextArray } from './list-params.ts';
import { TokenService } from '../auth/token.service.ts';
import { publicUrl } from './auth.service.ts';
import { SessionStore } from '../auth/sessions.ts';
import { isKnownTimeZone, TENANT_PROFILE_KEY, TimeZone } from '../tenants/tenant-profile.ts';
import { mailLocale, mailWords } from '../i18n/mail-words.ts';
import { assertMayChangeRoles, assertOwnerRemains, loadGranter, lockOwners, otherOwners, permissionCatalog } from '../rbac/grant-guard.ts';

const Uuid = Type.String({ format: 'uuid' });
const RoleName = Type.String({ pattern: '^[a-z][a-z0-9-]{1,39}$' });

export function tenantsService(deps: () => KernelDeps): ServiceSchema {
  const d = deps;
  const sessions = new SessionStore(d);
  async function assertRolesExist(em: any, roles: string[]) {
    const rows = await em.execute('select name from kernel.role where name = any(?::text[])', [pgTextArray(roles)]);
    const missing = roles.filter((r) => !rows.some((x: any) => x.name === r));
    if (missing.length) throw new ValidationError(`Unknown role(s): ${missing.join(', ')}`, [{ field: 'roles', code: 'unknownRoles', params: { roles: missing }, message: `unknown: ${missing.join(', ')}` }]);
  }
  const rbacChanged = (ctx: any) =>
    afterCommit(ctx, () => {
      d().abilities.invalidate(ctx.meta.tenantId);
      ctx.broker.broadcast('atrium.rbac.changed', { tenantId: ctx.meta.tenantId });
    });
  /**
   * A member's roles go from `before` to `after` ([] = removed): the caller may change them
   * (grant-guard.ts), and an owner is left. Runs under lockOwners, so concurrent changes are judged
   * one after the other. System calls (the platform's own) only keep the last owner.
   */
  async function guardRoleChange(ctx: KernelCtx, userId: string, before: string[], after: string[]) {
    const em = ctx.locals.em;
    if (ctx.meta.user) await assertMayChangeRoles(em, await loadGranter(em, ctx.meta.user.id), permissionCatalog(d().registry), before, after);
    if (before.includes('owner') && !after.includes('owner')) assertOwnerRemains(await otherOwners(em, userId));
  }
  return {
    name: 'tenants',
    actions: kernelActions('tenants', {
      current: {
        rest: 'GET /current',
        permission: ['read', 'kernel.Tenant'],
        async handler(ctx) {
          const [t] = await ctx.locals.em.execute('select id, name, status, locale, currency, time_zone as "timeZone", created_at as "createdAt" from kernel.tenant');
          return t;
        },
      },
      updateCurrent: {
        rest: 'PATCH /current',
        permission: ['update', 'kernel.Tenant'],
        params: Type.Object({
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
          locale: Type.Optional(Type.String({ pattern: '^(en|ru|uk|kk)$' })),
          currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
          timeZone: Type.Optional(TimeZone),
        }, { additionalProperties: false }),
        async handler(ctx) {
          const em = ctx.locals.em;
          const p = ctx.params;
          if (p.timeZone !== undefined && !isKnownTimeZone(p.timeZone)) throw new ValidationError(`Unknown time zone "${p.timeZone}"`, [{ field: 'timeZone', code: 'timeZone', message: 'is not a known time zone (e.g. Asia/Almaty)' }]);
          const cols = 'id, name, locale, currency, time_zone as "timeZone"';
          const [before] = await em.execute(`select ${cols} from kernel.tenant`);
          const [after] = await em.execute(`update kernel.tenant set name = coalesce(?, name), locale = coalesce(?, locale), currency = coalesce(?, currency), time_zone = coalesce(?, time_zone) returning ${cols}`,
            [p.name ?? null, p.locale ?? null, p.currency ?? null, p.timeZone ?? null]);
          ctx.locals.req!.audit.diff(before, after);
          // plugins read the profile through ctx.tenant() (cached like settings): this node at once, others by broadcast
          afterCommit(ctx, () => {
            d().gate.invalidateSettings(ctx.meta.tenantId!, TENANT_PROFILE_KEY);
            ctx.broker.broadcast('atrium.plugins.settings', { tenantId: ctx.meta.tenantId, pluginId: TENANT_PROFILE_KEY });
          });
          return after;
        },
      },
      listMembers: {
        rest: 'GET /members',
        permission: ['read', 'kernel.Member'],
        params: Type.Object({ ...ListParams, role: Type.Optional(RoleName) }, { additionalProperties: false }),
        async handler(ctx) {
          const { limit = 20, offset = 0, q, sort, role } = ctx.params;
          const rule = ctx.locals.req!.rulesSql('read', 'kernel.Member', { alias: 'm' });
          const where: string[] = [rule.sql];
          const args: unknown[] = [...rule.params];
          if (q) { where.push('(u.email ilike ? or u.display_name ilike ?)'); args.push(likePattern(q), likePattern(q)); }
          if (role) { where.push('? = any(m.roles)'); args.push(role); }
          const order = orderBy(sort, { email: 'u.email', displayName: 'u.display_name', joinedAt: 'm.created_at' }, 'u.email asc');
          const em = ctx.locals.em;
          const items = await em.execute(`select m.user_id as "userId", u.email, u.display_name as "displayName", m.roles, m.created_at as "joinedAt"
            from kernel.membership m join kernel."user" u on u.id = m.user_id where ${where.join(' and ')} order by ${order} limit ? offset ?`, [...args, limit, offset]);
          const [{ n }] = await em.execute(`select count(*)::int as n from kernel.membership m join kernel."user" u on u.id = m.user_id where ${where.join(' and ')}`, args);
          return { items, total: n };
        },
      },
      updateMember: {
        rest: 'PATCH /members/:userId',
        permission: ['update', 'kernel.Member'],
        params: Type.Object({ userId: Uuid, roles: Type.Array(RoleName, { minItems: 1, maxItems: 10, uniqueItems: true }) }, { additionalProperties: false }),
        async handler(ctx) {
          const em = ctx.locals.em;
          await assertRolesExist(em, ctx.params.roles);
          await lockOwners(em);
          const rule = ctx.locals.req!.rulesSql('update', 'kernel.Member');
          const [before] = await em.execute(`select roles from kernel.membership where user_id = ? and ${rule.sql}`, [ctx.params.userId, ...rule.params]);
          if (!before) throw new NotFoundError('No such member', { subject: 'kernel.Member' });
          await guardRoleChange(ctx, ctx.params.userId, before.roles, ctx.params.roles);
          await em.execute('update kernel.membership set roles = ?::text[] where user_id = ?', [pgTextArray(ctx.params.roles), ctx.params.userId]);
          ctx.locals.req!.audit.diff(before, { roles: ctx.params.roles });
          rbacChanged(ctx);
          return { userId: ctx.params.userId, roles: ctx.params.roles };
        },
      },
      removeMember: {
        rest: 'DELETE /members/:userId',
        permission: ['delete', 'kernel.Member'],
        params: Type.Object({ userId: Uuid }, { additionalProperties: false }),
        async handler(ctx) {
          const em = ctx.locals.em;
          await lockOwners(em);
          const rule = ctx.locals.req!.rulesSql('delete', 'kernel.Member');
          const [m] = await em.execute(`select roles from kernel.membership where user_id = ? and ${rule.sql}`, [ctx.params.userId, ...rule.params]);
          if (!m) throw new NotFoundError('No such member', { subject: 'kernel.Member' });
          await guardRoleChange(ctx, ctx.params.userId, m.roles, []);
          await em.execute('delete from kernel.membership where user_id = ?', [ctx.params.userId]);
          // after the delete: a refresh racing it has committed by now, or will fail (sessions.ts)
          const revoked = await sessions.revokeMember(ctx.params.userId, ctx.meta.tenantId!);
          ctx.locals.req!.audit.diff(m, null);
          rbacChanged(ctx);
          afterCommit(ctx, () => sessions.announce(revoked));
          return { ok: true };
        },
      },
      listInvitations: {
        rest: 'GET /invitations',
        permission: ['read', 'kernel.Invitation'],
        params: Type.Object({ ...ListParams }, { additionalProperties: false }),
        async handler(ctx) {
          const { limit = 20, offset = 0, q, sort } = ctx.params;
          const em = ctx.locals.em;
          const order = orderBy(sort, { email: 'email', createdAt: 'created_at', expiresAt: 'expires_at' }, 'created_at desc');
          const cond = q ? 'where email ilike ?' : '';
          const args = q ? [likePattern(q)] : [];
          const items = await em.execute(`select id, email, roles, expires_at as "expiresAt", accepted_at as "acceptedAt", revoked_at as "revokedAt", created_at as "createdAt",
              case when accepted_at is not null then 'accepted' when revoked_at is not null then 'revoked' when expires_at < now() then 'expired' else 'pending' end as status
            from kernel.invitation ${cond} order by ${order}, id limit ? offset ?`, [...args, limit, offset]);
          const [{ n }] = await em.execute(`select count(*)::int as n from kernel.invitation ${cond}`, args);
          return { items, total: n };
        },
      },
      invite: {
        rest: 'POST /invitations',
        permission: ['create', 'kernel.Invitation'],
        status: 201,
        idempotent: true,
        params: Type.Object({
          email: Type.String({ format: 'email', maxLength: 254 }),
          role: Type.Optional(RoleName),
          roles: Type.Optional(Type.Array(RoleName, { minItems: 1, maxItems: 10 })),
          /** The invitee's language for the e-mail; else theirs if they have an account, else the business's. */
          locale: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('ru'), Type.Literal('uk'), Type.Literal('kk')])),
        }, { additionalProperties: false }),
        summary: 'Invite someone by e-mail: answers the invitation and its link (to copy and pass on when mail is not configured — `mailed: false`)',
        async handler(ctx) {
          const { config, mailer, translator } = d();
          const em = ctx.locals.em;
          const roles = ctx.params.roles ?? [ctx.params.role ?? 'staff'];
          await assertRolesExist(em, roles);
          await guardRoleChange(ctx, '', [], roles);
          const email = ctx.params.email.trim().toLowerCase();
          const [already] = await em.execute('select 1 from kernel.membership m join kernel."user" u on u.id = m.user_id where lower(u.email) = ?', [email]);
          if (already) throw new ConflictError(`${email} is already a member`, 'ALREADY_MEMBER', { email });
          await em.execute('update kernel.invitation set revoked_at = now() where lower(email) = ? and accepted_at is null and revoked_at is null', [email]);
          const t = TokenService.opaque();
          const id = crypto.randomUUID();
          const [row] = await em.execute(`insert into kernel.invitation (tenant_id, id, email, roles, token_hash, invited_by, expires_at)
            values (?, ?, ?, ?::text[], ?, ?, now() + make_interval(secs => ?)) returning id, email, roles, expires_at as "expiresAt"`,
            [ctx.meta.tenantId, id, email, pgTextArray(roles), t.hash, ctx.meta.user!.id, config.auth.invitationTtlSeconds]);
          const [tenant] = await em.execute('select name, locale from kernel.tenant');
          const [invitee] = await em.execute('select locale from kernel."user" where lower(email) = ?', [email]);
          const link = `${publicUrl(config)}/#/accept-invitation?token=${t.token}`;
          const locale = mailLocale(ctx.params.locale, invitee?.locale, tenant.locale);
          const words = mailWords(translator, locale, 'invitation', {
            tenant: tenant.name, inviter: ctx.meta.user!.email, link,
            roles: roles.map((r: string) => translator.roleName(locale, r) ?? r),
            days: Math.max(1, Math.round(config.auth.invitationTtlSeconds / 86400)),
          });
          await mailer.send({ to: email, ...words });
          // the link goes to the inviter too: "copy invite link", the only way when mail is not configured
          return { ...row, status: 'pending', link, mailed: mailer.configured };
        },
      },
      revokeInvitation: {
        rest: 'DELETE /invitations/:id',
        permission: ['delete', 'kernel.Invitation'],
        params: Type.Object({ id: Uuid }, { additionalProperties: false }),
        async handler(ctx) {
          const rows = await ctx.locals.em.execute('update kernel.invitation set revoked_at = now() where id = ? and accepted_at is null and revoked_at is null returning id', [ctx.params.id]);
          if (!rows.length) throw new NotFoundError('No pending invitation with this id', { subject: 'kernel.Invitation' });
          return { ok: true };
        },
      },
      listStores: {
        rest: 'GET /stores',
        permission: ['read', 'kernel.Store'],
        params: Type.Object({ ...ListParams }, { additionalProperties: false }),
        async handler(ctx) {
          const { limit = 20, offset = 0, q, sort } = ctx.params;
          const order = orderBy(sort, { name: 'name', createdAt: 'created_at' }, 'name');
          const cond = q ? 'where name ilike ?' : '';
          const args = q ? [likePattern(q)] : [];
          const items = await ctx.locals.em.execute(`select id, name, address, created_at as "createdAt" from kernel.store ${cond} order by ${order}, id limit ? offset ?`, [...args, limit, offset]);
          const [{ n }] = await ctx.locals.em.execute(`select count(*)::int as n from kernel.store ${cond}`, args);
          return { items, total: n };
        },
      },
      createStore: {
        rest: 'POST /stores',
        permission: ['create', 'kernel.Store'],
        status: 201,
        idempotent: true,
        params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 120 }), address: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
        async handler(ctx) {
          const [row] = await ctx.locals.em.execute('insert into kernel.store (tenant_id, id, name, address) values (?, ?, ?, ?) returning id, name, address, created_at as "createdAt"', [ctx.meta.tenantId, crypto.randomUUID(), ctx.params.name, ctx.params.address ?? null]);
          return row;
        },
      },
    }),
  };
}
