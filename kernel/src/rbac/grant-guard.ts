import { ForbiddenError } from '@atrium/sdk';
import type { PluginRegistry } from '../plugins/plugin-registry.ts';
import type { StoredRule } from './ability.factory.ts';
import { KERNEL_SUBJECTS } from './builtin-roles.ts';
import { pgTextArray } from '../services/list-params.ts';
import { uncoveredRules, type CatalogEntry, type UncoveredRule } from './rule-subset.ts';

/**
 * Who may give what. Nobody grants a rule they do not hold themselves (roles editor, invitations,
 * member updates), and only owners give or take the owner role. Everything is read from the
 * request's own transaction — never from the ability cache — so a grant is judged on the
 * granter's rights as they are when it commits.
 */

/** Kernel subjects plus every installed plugin's: what `manage` and `all` are probed against. */
export function permissionCatalog(registry: PluginRegistry): CatalogEntry[] {
  return [
    ...KERNEL_SUBJECTS,
    ...registry.list().flatMap((p) => (p.manifest.permissions?.subjects ?? []).map((s) => ({ subject: s.subject, actions: s.actions }))),
  ];
}

/** The granter's roles and the stored (uninterpolated) rules of each, in the request's tenant. */
export type Granter = { userId: string; roles: string[]; isOwner: boolean; rules: StoredRule[] };

type Em = { execute(sql: string, params?: unknown[]): Promise<any[]> };

export async function loadGranter(em: Em, userId: string): Promise<Granter> {
  const [m] = await em.execute('select roles from kernel.membership where user_id = ?', [userId]);
  const roles: string[] = m?.roles ?? [];
  const rules = await roleRules(em, roles);
  return { userId, roles, isOwner: roles.includes('owner'), rules: roles.flatMap((r) => rules.get(r) ?? []) };
}

/** The stored rules of the named roles (unknown names have none). */
export async function roleRules(em: Em, roles: string[]): Promise<Map<string, StoredRule[]>> {
  if (!roles.length) return new Map();
  const rows = await em.execute('select name, rules from kernel.role where name = any(?::text[])', [pgTextArray(roles)]);
  return new Map(rows.map((r: { name: string; rules: StoredRule[] }) => [r.name, r.rules]));
}

function summary(problems: UncoveredRule[]): string {
  return problems.map((u) => `${u.action} ${u.subject}${u.why === 'conditions' ? ' on more records' : u.why === 'fields' ? ' with more fields' : ''}`).join(', ');
}

/**
 * The roles editor: a role's new rules must be held by the editor (403 GRANT_EXCEEDS_OWN), and so
 * must its current ones (403 ROLE_EXCEEDS_OWN) — else an editor could cut down a role above their own.
 * `details.rules` lists each rule (by index) and an action and subject it goes beyond.
 */
export function assertMayWriteRole(granter: Granter, catalog: CatalogEntry[], role: string, rules: StoredRule[], current?: StoredRule[]): void {
  const before = current ? uncoveredRules(granter.rules, current, catalog) : [];
  if (before.length) {
    throw new ForbiddenError(`You cannot change the role "${role}": it allows what you may not do yourself (${summary(before)})`, 'ROLE_EXCEEDS_OWN', { role, rules: before });
  }
  const after = uncoveredRules(granter.rules, rules, catalog);
  if (after.length) {
    throw new ForbiddenError(`You cannot grant what you may not do yourself: ${summary(after)}`, 'GRANT_EXCEEDS_OWN', { role, rules: after });
  }
}

/**
 * A member's roles go from `before` to `after` (an invitation: from none; a removal: to none).
 * The owner role is given and taken by owners only, and an owner's membership is changed by owners
 * only. Every other role on either side must be held whole by the granter: giving a role is
 * granting its rules, and changing the roles of someone who holds more than you would let you take
 * away (or unlock, by removing a role with `cannot` rules) what you do not have.
 */
export async function assertMayChangeRoles(em: Em, granter: Granter, catalog: CatalogEntry[], before: string[], after: string[]): Promise<void> {
  // roles being given first: that is the grant the caller asked for
  const touched = [...new Set([...after.filter((r) => !before.includes(r)), ...before, ...after])];
  if (touched.includes('owner') && !granter.isOwner) {
    throw new ForbiddenError('Only an owner can give, take away or change the owner role', 'OWNER_REQUIRED');
  }
  const rules = await roleRules(em, touched.filter((r) => r !== 'owner'));
  for (const role of touched) {
    if (role === 'owner') continue;
    const problems = uncoveredRules(granter.rules, rules.get(role) ?? [], catalog);
    if (!problems.length) continue;
    if (after.includes(role) && !before.includes(role)) {
      throw new ForbiddenError(`You cannot give the role "${role}": it allows what you may not do yourself (${summary(problems)})`, 'GRANT_EXCEEDS_OWN', { role, rules: problems });
    }
    throw new ForbiddenError(`You cannot change this member: their role "${role}" allows what you may not do yourself (${summary(problems)})`, 'MEMBER_EXCEEDS_OWN', { role, rules: problems });
  }
}

/**
 * Serialises changes to a tenant's owners: the caller holds the tenant row until it commits, so
 * two owners demoting each other at once are judged one after the other and one owner is left.
 * (FOR NO KEY UPDATE: memberships reference the tenant and take KEY SHARE; they are not blocked.)
 */
export async function lockOwners(em: Em): Promise<void> {
  await em.execute('select id from kernel.tenant for no key update');
}

/** Owners of the tenant other than `userId` (after lockOwners, a number no concurrent change can move). */
export async function otherOwners(em: Em, userId: string): Promise<number> {
  const [r] = await em.execute(`select count(*)::int as n from kernel.membership where 'owner' = any(roles) and user_id <> ?`, [userId]);
  return r.n;
}

export function assertOwnerRemains(n: number): void {
  if (n === 0) throw new ForbiddenError('A tenant must keep at least one owner: make someone else an owner first', 'LAST_OWNER');
}
