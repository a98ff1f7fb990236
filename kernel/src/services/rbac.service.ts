import crypto from 'node:crypto';
import type { ServiceSchema } from 'moleculer';
import { Type } from 'typebox';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '@atrium/sdk';
import { LOCALES } from '@atrium/sdk/i18n';
import type { KernelDeps } from '../kernel-deps.ts';
import { afterCommit, kernelActions, type KernelCtx } from './kernel-action.ts';
import { validateRuleConditions, type StoredRule } from '../rbac/ability.factory.ts';
import { assertMayWriteRole, loadGranter, permissionCatalog } from '../rbac/grant-guard.ts';
import { KERNEL_SUBJECTS } from '../rbac/builtin-roles.ts';
import { assertEnforceableRules } from '../rbac/rule-conditions.ts';

const Rule = Type.Object({
  action: Type.Union([Type.String({ minLength: 1, maxLength: 40 }), Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { minItems: 1 })]),
  subject: Type.Union([Type.String({ minLength: 1, maxLength: 80 }), Type.Array(Type.String({ minLength: 1, maxLength: 80 }), { minItems: 1 })]),
  fields: Type.Optional(Type.Array(Type.String({ maxLength: 80 }), { maxItems: 100 })),
  conditions: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  inverted: Type.Optional(Type.Boolean()),
  reason: Type.Optional(Type.String({ maxLength: 200 })),
}, { additionalProperties: false });
const Rules = Type.Array(Rule, { maxItems: 500 });

export function rbacService(deps: () => KernelDeps): ServiceSchema {
  const d = deps;
  /** Every subject in a rule must exist in the catalog (kernel + installed plugins), or be 'all'. */
  function checkSubjects(rules: StoredRule[]) {
    const known = new Set<string>(['all', ...permissionCatalog(d().registry).map((s) => s.subject)]);
    const bad = rules.flatMap((r, i) => [r.subject].flat().filter((s) => !known.has(s)).map((s) => ({ field: `rules.${i}.subject`, code: 'unknownSubject', params: { value: s }, message: `unknown subject "${s}"` })));
    if (bad.length) throw new ValidationError('Unknown permission subject', bad);
    validateRuleConditions(rules);
    assertEnforceableRules(d().registry, rules);
  }
  /** Nobody writes into a role what they do not hold themselves (grant-guard.ts); system calls are the platform's own. */
  async function checkGrant(ctx: KernelCtx, role: string, rules: StoredRule[], current?: StoredRule[]) {
    if (!ctx.meta.user) return;
    const granter = await loadGranter(ctx.locals.em, ctx.meta.user.id);
    assertMayWriteRole(granter, permissionCatalog(d().registry), role, rules, current);
  }
  const changed = (ctx: any) =>
    afterCommit(ctx, () => {
      d().abilities.invalidate(ctx.meta.tenantId);
      ctx.broker.broadcast('atrium.rbac.changed', { tenantId: ctx.meta.tenantId });
    });
  return {
    name: 'rbac',
    actions: kernelActions('rbac', {
      listRoles: {
        rest: 'GET /roles',
        permission: ['read', 'kernel.Role'],
        async handler(ctx) {
          const { translator } = d();
          const rows = await ctx.locals.em.execute('select id, name, built_in as "builtIn", rules, version, updated_at as "updatedAt" from kernel.role order by built_in desc, name');
          // a built-in or plugin role's name in every language (a custom role is called what its maker typed)
          const titleOf = (name: string) => Object.fromEntries(LOCALES.flatMap((l) => { const t = translator.roleName(l, name); return t ? [[l, t]] : []; }));
          const items = rows.map((r: { name: string }) => ({ ...r, title: titleOf(r.name) }));
          return { items, total: items.length };
        },
      },
      createRole: {
        rest: 'POST /roles',
        permission: ['create', 'kernel.Role'],
        status: 201,
        idempotent: true,
        params: Type.Object({ name: Type.String({ pattern: '^[a-z][a-z0-9-]{1,39}$' }), rules: Rules }, { additionalProperties: false }),
        async handler(ctx) {
          checkSubjects(ctx.params.rules);
          await checkGrant(ctx, ctx.params.name, ctx.params.rules);
          const [exists] = await ctx.locals.em.execute('select 1 from kernel.role where name = ?', [ctx.params.name]);
          if (exists) throw new ConflictError(`Role "${ctx.params.name}" already exists`, 'ROLE_EXISTS', { role: ctx.params.name });
          const [row] = await ctx.locals.em.execute('insert into kernel.role (tenant_id, id, name, rules) values (?, ?, ?, ?) returning id, name, built_in as "builtIn", rules, version',
            [ctx.meta.tenantId, crypto.randomUUID(), ctx.params.name, JSON.stringify(ctx.params.rules)]);
          return row;
        },
      },
      updateRole: {
        rest: 'PATCH /roles/:id',
        permission: ['update', 'kernel.Role'],
        params: Type.Object({ id: Type.String({ format: 'uuid' }), rules: Type.Optional(Rules), version: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false }),
        async handler(ctx) {
          const em = ctx.locals.em;
          const [before] = await em.execute('select name, built_in, rules, version from kernel.role where id = ?', [ctx.params.id]);
          if (!before) throw new NotFoundError('No such role', { subject: 'kernel.Role' });
          if (before.built_in && before.name === 'owner') throw new UnprocessableError('The owner role cannot be changed', 'BUILTIN_ROLE', { role: before.name, operation: 'change' });
          if (ctx.params.version && ctx.params.version !== before.version) throw new ConflictError('The role was changed by someone else; reload it', 'STALE');
          if (ctx.params.rules) {
            checkSubjects(ctx.params.rules);
            await checkGrant(ctx, before.name, ctx.params.rules, before.rules);
          }
          // guarded by the version read above: a concurrent edit (judged on other rules) makes this one stale
          const [after] = await em.execute('update kernel.role set rules = coalesce(?, rules), version = version + 1, updated_at = now() where id = ? and version = ? returning id, name, built_in as "builtIn", rules, version',
            [ctx.params.rules ? JSON.stringify(ctx.params.rules) : null, ctx.params.id, before.version]);
          if (!after) throw new ConflictError('The role was changed by someone else; reload it', 'STALE');
          ctx.locals.req!.audit.diff({ rules: before.rules }, { rules: after.rules });
          changed(ctx);
          return after;
        },
      },
      deleteRole: {
        rest: 'DELETE /roles/:id',
        permission: ['delete', 'kernel.Role'],
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
        async handler(ctx) {
          const em = ctx.locals.em;
          const [r] = await em.execute('select name, built_in from kernel.role where id = ?', [ctx.params.id]);
          if (!r) throw new NotFoundError('No such role', { subject: 'kernel.Role' });
          if (r.built_in) throw new UnprocessableError('Built-in roles cannot be deleted', 'BUILTIN_ROLE', { role: r.name, operation: 'delete' });
          const [{ n }] = await em.execute('select count(*)::int as n from kernel.membership where ? = any(roles)', [r.name]);
          if (n > 0) throw new ConflictError(`Role "${r.name}" is assigned to ${n} member(s); reassign them first`, 'ROLE_IN_USE', { role: r.name, members: n });
          await em.execute('delete from kernel.role where id = ?', [ctx.params.id]);
          changed(ctx);
          return { ok: true };
        },
      },
      permissions: {
        rest: 'GET /permissions',
        permission: ['read', 'kernel.Role'],
        async handler() {
          const { translator, registry } = d();
          // every word in every language, for a roles screen in plain words (the admin switches language without asking again)
          const words = (word: (l: (typeof LOCALES)[number]) => string | undefined) => Object.fromEntries(LOCALES.flatMap((l) => { const w = word(l); return w ? [[l, w]] : []; }));
          const named = (s: { subject: string; actions: string[] }, plugin: string) => ({
            plugin,
            pluginName: plugin === 'kernel' ? {} : words((l) => translator.pluginName(l, plugin)),
            name: words((l) => translator.subjectName(l, s.subject)),
            actionNames: Object.fromEntries(s.actions.map((a) => [a, words((l) => translator.actionName(l, a, s.subject))])),
          });
          const items = [
            ...KERNEL_SUBJECTS.map((s) => ({ ...s, ...named(s, 'kernel') })),
            ...registry.list().flatMap((p) => (p.manifest.permissions?.subjects ?? []).map((s) => ({ subject: s.subject, actions: s.actions, fields: s.fields, conditions: s.conditions, ...named(s, p.id) }))),
          ];
          return { items, total: items.length };
        },
      },
    }),
  };
}
