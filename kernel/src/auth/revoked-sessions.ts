import type { Database } from '../db/database.ts';

/** How often a node asks the database for revocations it may have missed (a lost broadcast). */
const POLL_MS = 2_000;
/** A revoking transaction sets revoked_at when it starts and commits a little later: look back this far. */
const COMMIT_SLACK_SECONDS = 30;
/** Clock skew between the database and the nodes, added to how long a revoked session is kept. */
const SKEW_SECONDS = 60;

/**
 * The sessions revoked on this node's watch, for as long as an access token of theirs can live.
 *
 * An access token carries its session id (`sid`); logout, a password change or reset, removal from a
 * tenant, a reused refresh token and "sign out that device" revoke sessions (kernel.session.revoked_at).
 * The revoking node broadcasts the ids (`atrium.sessions.revoked`), so every gateway refuses their
 * tokens at once; a node that missed the broadcast (it was restarting, the transporter dropped it)
 * learns them from the database within POLL_MS. The request path costs one Map lookup: no database
 * read per request. Entries are forgotten when the last token of their session has expired.
 */
export class RevokedSessions {
  /** session id → when its last access token expires (ms) */
  private readonly until = new Map<string, number>();
  private readonly ttlSeconds: number;
  private timer: NodeJS.Timeout | null = null;
  /** database time of the last successful poll: the next one looks back from there */
  private cursor: string | null = null;
  private polling: Promise<void> | null = null;

  constructor(accessTtlSeconds: number) {
    this.ttlSeconds = accessTtlSeconds;
  }

  has(sessionId: string): boolean {
    const t = this.until.get(sessionId);
    if (t === undefined) return false;
    if (t > Date.now()) return true;
    this.until.delete(sessionId);
    return false;
  }

  /** Sessions revoked now, each with the time it was created (its access tokens live ttl from then). */
  add(sessions: { id: string; createdMs: number }[]): void {
    const skew = SKEW_SECONDS * 1000;
    for (const s of sessions) {
      const t = s.createdMs + this.ttlSeconds * 1000 + skew;
      if (t > Date.now()) this.until.set(s.id, Math.max(t, this.until.get(s.id) ?? 0));
    }
  }

  get size(): number {
    return this.until.size;
  }

  /**
   * Loads what was revoked within a token's lifetime, then polls; resolves after the first load.
   * `onError` hears of the first failed poll of a run of them (the database is down: once, not every
   * 2 s), `onRecovered` of the poll that ends it — which catches up from the last good cursor.
   */
  async start(db: Database, onError: (e: unknown) => void, onRecovered: () => void = () => {}): Promise<void> {
    await this.poll(db);
    let failing = false;
    this.timer = setInterval(() => {
      this.polling ??= this.poll(db)
        .then(() => {
          if (failing) onRecovered();
          failing = false;
        }, (e) => {
          if (!failing) onError(e);
          failing = true;
        })
        .finally(() => (this.polling = null));
    }, POLL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.polling;
  }

  /** One look at the database: sessions revoked since the last look (or within a token's lifetime, at boot). */
  async poll(db: Database): Promise<void> {
    const rows = await db.systemQuery<{ id: string; created_ms: number; now: string }>(
      `select s.id, (extract(epoch from s.created_at) * 1000)::float8 as created_ms, n.now
         from (select now()::text as now) n
         left join kernel.session s
           on s.revoked_at > coalesce($1::timestamptz - make_interval(secs => $2), now() - make_interval(secs => $3))
          and s.created_at > now() - make_interval(secs => $3)`,
      [this.cursor, COMMIT_SLACK_SECONDS, this.ttlSeconds + SKEW_SECONDS],
    );
    this.add(rows.filter((r) => r.id).map((r) => ({ id: r.id, createdMs: r.created_ms })));
    this.cursor = rows[0].now;
    const now = Date.now();
    for (const [id, t] of this.until) if (t <= now) this.until.delete(id);
  }
}
