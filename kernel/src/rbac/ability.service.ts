import type { MongoAbility } from '@casl/ability';
import { ForbiddenError, type RequestUser } from '@atrium/sdk';
import type { Database } from '../db/database.ts';
import { buildAbility, interpolateRules, type StoredRule } from './ability.factory.ts';

type Entry = { ability: MongoAbility; rules: StoredRule[]; roles: string[]; at: number; users: WeakMap<RequestUser, RequestUser> };

/**
 * Builds a user's CASL ability in a tenant from the roles stored in the database. Cached per
 * (tenant, user); the `atrium.rbac.changed` broadcast clears a tenant's entries on every node.
 */
export class AbilityService {
  private readonly cache = new Map<string, Entry>();
  private readonly db: Database;
  private readonly ttlMs: number;
  private generation = 0;

  constructor(db: Database, ttlMs = 10_000) {
    this.db = db;
    this.ttlMs = ttlMs;
  }

  async forUser(tenantId: string, user: RequestUser): Promise<MongoAbility> {
    return (await this.load(tenantId, user)).ability;
  }

  /**
   * The ability, and the user as a request should see them: with the roles the membership has now,
   * not those written into the access token when it was issued — a demoted owner is no longer an
   * owner to `ctx.user.roles` once this node hears of it (broadcast) or within the cache's TTL.
   * One object per token's claims, so the hot path allocates nothing.
   */
  async forRequest(tenantId: string, user: RequestUser): Promise<{ ability: MongoAbility; user: RequestUser }> {
    const e = await this.load(tenantId, user);
    let current = e.users.get(user);
    if (!current) e.users.set(user, (current = Object.freeze({ ...user, roles: e.roles })));
    return { ability: e.ability, user: current };
  }

  async rulesFor(tenantId: string, user: RequestUser): Promise<{ rules: StoredRule[]; roles: string[] }> {
    const e = await this.load(tenantId, user);
    return { rules: e.rules, roles: e.roles };
  }

  private async load(tenantId: string, user: RequestUser) {
    const key = `${tenantId}:${user.id}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit;
    const gen = this.generation;
    const [m] = await this.db.systemQuery<{ roles: string[] }>('select roles from kernel.membership where tenant_id = $1 and user_id = $2', [tenantId, user.id]);
    if (!m) throw new ForbiddenError('You are not a member of this tenant', 'NOT_A_MEMBER');
    // in the membership's order of roles: a `cannot` of one role overrides the roles before it, the
    // same way on every node and every load (without an order, the database picks one)
    const rows = await this.db.systemQuery<{ rules: StoredRule[] }>('select rules from kernel.role where tenant_id = $1 and name = any($2) order by array_position($2::text[], name)', [tenantId, m.roles]);
    const rules = interpolateRules(rows.flatMap((r) => r.rules), { user: { id: user.id, email: user.email }, tenant: { id: tenantId } });
    const entry: Entry = { ability: buildAbility(rules), rules, roles: Object.freeze([...m.roles]) as string[], at: Date.now(), users: new WeakMap() };
    // a load that overlapped an invalidation may have read the old roles: use it once, don't keep it
    if (gen === this.generation) this.cache.set(key, entry);
    return entry;
  }

  invalidate(tenantId?: string): void {
    this.generation++;
    if (!tenantId) return this.cache.clear();
    for (const k of this.cache.keys()) if (k.startsWith(`${tenantId}:`)) this.cache.delete(k);
  }
}
