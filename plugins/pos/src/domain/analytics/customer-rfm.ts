import { ConflictError, NotFoundError, ValidationError, type RequestContext } from '@atrium/sdk';
import { addDays, DAY_START, type ReportClock } from './report-clock.ts';
import { AT_RISK_SEGMENTS, scoreCustomers, SEGMENT_NAMES, summarize, type Segment } from './rfm.ts';

/**
 * RFM over the database: gathers recency/frequency/monetary of every customer with completed
 * sales in the window (days counted in the tenant's time zone, monetary net of returns), scores
 * them with the pure `rfm.ts`, and replaces the tenant's `customer_rfm` rows in one transaction.
 */
export const DEFAULT_WINDOW_DAYS = 365;

const n = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

export async function recomputeRfm(ctx: RequestContext, clock: ReportClock, windowDays = DEFAULT_WINDOW_DAYS) {
  // a recompute deletes and re-inserts every row: two at once would collide on the keys
  await ctx.em.execute('select pg_advisory_xact_lock(hashtext(?))', [`pos.customer_rfm:${ctx.tenantId}`]);
  const since = addDays(clock.today, -(windowDays - 1));
  const rows = await ctx.em.execute(
    `select s.customer_id, count(*)::int as frequency, sum(s.total - s.refunded_total)::bigint as monetary, max(s.sold_at) as last_purchase_at,
            (?::date - max((s.sold_at at time zone ?)::date))::int as recency_days
     from pos.sale s join pos.customer c on c.tenant_id = s.tenant_id and c.id = s.customer_id
     where s.status = 'completed' and s.customer_id is not null and not c.archived and s.sold_at >= ${DAY_START}
     group by s.customer_id
     order by s.customer_id`,
    [clock.today, clock.timeZone, since, clock.timeZone],
  );
  const scored = scoreCustomers(rows.map((r: any) => ({ customerId: r.customer_id, recencyDays: Math.max(0, r.recency_days), frequency: r.frequency, monetary: n(r.monetary) })));
  const last = new Map<string, string>(rows.map((r: any) => [r.customer_id, r.last_purchase_at]));
  await ctx.em.execute('delete from pos.customer_rfm');
  if (scored.length) {
    await ctx.em.execute(
      `insert into pos.customer_rfm (tenant_id, customer_id, recency_days, frequency, monetary, last_purchase_at, r_score, f_score, m_score, fm_score, segment, window_days, computed_at)
       select ?, x.customer_id, x.recency_days, x.frequency, x.monetary, x.last_purchase_at, x.r, x.f, x.m, x.fm, x.segment, ?, now()
       from jsonb_to_recordset(?::jsonb) as x(customer_id uuid, recency_days int, frequency int, monetary bigint, last_purchase_at timestamptz, r int, f int, m int, fm int, segment text)`,
      [ctx.tenantId, windowDays, JSON.stringify(scored.map((s) => ({
        customer_id: s.customerId, recency_days: s.recencyDays, frequency: s.frequency, monetary: s.monetary,
        last_purchase_at: last.get(s.customerId), r: s.r, f: s.f, m: s.m, fm: s.fm, segment: s.segment,
      })))],
    );
  }
  return { customers: scored.length, windowDays, asOf: clock.today, segments: summarize(scored) };
}

export async function rfmSummary(ctx: RequestContext) {
  const rows = await ctx.em.execute('select segment, monetary from pos.customer_rfm');
  const [meta] = await ctx.em.execute('select max(computed_at) as computed_at, max(window_days) as window_days from pos.customer_rfm');
  const segments = summarize(rows.map((r: any) => ({ segment: r.segment as Segment, monetary: n(r.monetary) })));
  const risk = segments.filter((s) => AT_RISK_SEGMENTS.includes(s.segment));
  return {
    computedAt: meta?.computed_at ?? null,
    windowDays: meta?.window_days ?? null,
    customers: rows.length,
    segments,
    atRisk: { segments: AT_RISK_SEGMENTS, customers: risk.reduce((a, s) => a + s.customers, 0), monetary: risk.reduce((a, s) => a + s.monetary, 0) },
  };
}

export async function rfmCustomers(ctx: RequestContext, p: { segments?: readonly Segment[]; limit: number; offset: number }) {
  const cond = p.segments?.length ? `where r.segment in (select jsonb_array_elements_text(?::jsonb))` : '';
  const args = p.segments?.length ? [JSON.stringify(p.segments)] : [];
  const rows = await ctx.em.execute(
    `select r.*, c.name, c.phone, c.email, c.group_id, g.name as group_name
     from pos.customer_rfm r
     join pos.customer c on c.tenant_id = r.tenant_id and c.id = r.customer_id
     left join pos.customer_group g on g.tenant_id = c.tenant_id and g.id = c.group_id
     ${cond}
     order by r.monetary desc, r.customer_id
     limit ? offset ?`,
    [...args, p.limit, p.offset],
  );
  const [{ total }] = await ctx.em.execute(`select count(*)::int as total from pos.customer_rfm r ${cond}`, args);
  return {
    items: rows.map((r: any) => ({
      customerId: r.customer_id, name: r.name, phone: r.phone, email: r.email, groupId: r.group_id, groupName: r.group_name,
      recencyDays: r.recency_days, frequency: r.frequency, monetary: n(r.monetary), lastPurchaseAt: r.last_purchase_at,
      r: r.r_score, f: r.f_score, m: r.m_score, fm: r.fm_score, segment: r.segment, segmentName: SEGMENT_NAMES[r.segment as Segment] ?? r.segment,
      computedAt: r.computed_at,
    })),
    total,
    limit: p.limit,
    offset: p.offset,
  };
}

/**
 * Puts every customer of an RFM segment into a customer group (an existing one by id, or one by
 * name, created when missing) and marks the group as fed from that segment. Customers already in
 * the group are left alone, so repeating it moves nobody; customers taken out of another group
 * are counted apart (they lose that group's discount).
 */
export async function segmentToGroup(ctx: RequestContext, segment: Segment, target: { groupId?: string; groupName?: string }) {
  if (!!target.groupId === !!target.groupName) {
    throw new ValidationError('Give either groupId or groupName', [{ field: target.groupId ? 'groupName' : 'groupId', code: 'groupIdOrName', message: 'exactly one of groupId and groupName is required' }]);
  }
  let group: any;
  let created = false;
  if (target.groupId) {
    [group] = await ctx.em.execute('select id, name, rfm_segment from pos.customer_group where id = ? for update', [target.groupId]);
    if (!group) throw new NotFoundError('Customer group not found (groupId)', { subject: 'pos.CustomerGroup', field: 'groupId' });
  }
  const [computed] = await ctx.em.execute('select 1 as ok from pos.customer_rfm limit 1');
  if (!computed) throw new ConflictError('There are no RFM scores yet: run POST /api/pos/reports/rfm/recompute first', 'RFM_NOT_COMPUTED');
  if (!group) {
    const name = target.groupName!.trim();
    if (!name) throw new ValidationError('groupName is blank', [{ field: 'groupName', code: 'blank', message: 'must not be blank' }]);
    [group] = await ctx.em.execute('select id, name, rfm_segment from pos.customer_group where lower(name) = lower(?) for update', [name]);
    if (!group) {
      ctx.authorize('create', 'pos.CustomerGroup');
      // a concurrent request may create the same name: the unique index decides, we re-read
      const [ins] = await ctx.em.execute(
        `insert into pos.customer_group (tenant_id, id, name, rfm_segment) values (?, ?, ?, ?) on conflict do nothing returning id, name, rfm_segment`,
        [ctx.tenantId, crypto.randomUUID(), name, segment],
      );
      if (ins) {
        group = ins;
        created = true;
      } else {
        [group] = await ctx.em.execute('select id, name, rfm_segment from pos.customer_group where lower(name) = lower(?) for update', [name]);
      }
    }
  }
  const [before] = await ctx.em.execute(
    `select count(*)::int as members,
            count(*) filter (where c.group_id = ?)::int as already,
            count(*) filter (where c.group_id is not null and c.group_id <> ?)::int as from_other
     from pos.customer_rfm r join pos.customer c on c.tenant_id = r.tenant_id and c.id = r.customer_id
     where r.segment = ? and not c.archived`,
    [group.id, group.id, segment],
  );
  const moved = await ctx.em.execute(
    `update pos.customer c set group_id = ?, updated_at = now(), version = c.version + 1
     from pos.customer_rfm r
     where r.tenant_id = c.tenant_id and r.customer_id = c.id and r.segment = ? and not c.archived and c.group_id is distinct from ?
     returning c.id`,
    [group.id, segment, group.id],
  );
  if (group.rfm_segment !== segment) await ctx.em.execute('update pos.customer_group set rfm_segment = ? where id = ?', [segment, group.id]);
  ctx.audit.target(group.id);
  ctx.audit.diff({ rfmSegment: group.rfm_segment }, { rfmSegment: segment, moved: moved.length, customerIds: moved.slice(0, 1000).map((r: any) => r.id) });
  return {
    segment,
    groupId: group.id as string,
    groupName: group.name as string,
    groupCreated: created,
    segmentCustomers: before.members as number,
    moved: moved.length,
    movedFromOtherGroups: before.from_other as number,
    alreadyInGroup: before.already as number,
  };
}
