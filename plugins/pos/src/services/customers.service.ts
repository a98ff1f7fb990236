import { recordTillCashIn } from '../domain/till-cash.ts';
import { ConflictError, defineAction, defineService, likePattern, listPage, NotFoundError, orderBy, Paging, Sort, sqlSet, sqlWhere, Type, UnprocessableError, ValidationError, type RequestContext, type TSchema } from '@atrium/sdk';
import { currencyOf } from '../domain/settings.ts';
import { postCustomerMoney, postPoints } from '../domain/customer-ledger.ts';
import { num } from '../domain/money.ts';
import { normalizePhone, phoneSearchSuffix } from '../domain/phone.ts';

const SUBJECT = 'pos.Customer';
const Id = Type.String({ format: 'uuid' });
// 10^13 minor units: far above any shop's credit line, well inside JS safe integers
const Money = Type.Integer({ minimum: 1, maximum: 10_000_000_000_000 });
const Limit = Type.Integer({ minimum: 0, maximum: 10_000_000_000_000 });
const Kind = Type.Union([Type.Literal('person'), Type.Literal('company')]);
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
// forms send "" for an empty field: it means "none", like null
const Phone = Type.String({ maxLength: 32 });
const Email = Type.Union([Type.String({ format: 'email', maxLength: 254 }), Type.Literal('')]);
const TaxId = Type.String({ maxLength: 40 });
const blankToNull = (v: string | null | undefined) => (v === undefined ? undefined : v === null || !v.trim() ? null : v.trim());
const Note = Type.String({ minLength: 1, maxLength: 500 });
const Method = Type.Union([Type.Literal('cash'), Type.Literal('card'), Type.Literal('transfer')]);

const SORTS = { name: 'c.name', createdAt: 'c.created_at', balance: 'c.balance', points: 'c.points' };

/** The columns `customerView` reads, and where they come from. */
const COLUMNS = `c.id, c.kind, c.name, c.phone, c.email, c.tax_id, c.group_id, c.credit_limit, c.balance, c.points, c.birthday,
    c.notes, c.archived, c.created_at, c.updated_at, c.version, g.name as group_name, g.discount_bp as group_discount_bp`;
const FROM = 'pos.customer c left join pos.customer_group g on g.tenant_id = c.tenant_id and g.id = c.group_id';
const SELECT = `select ${COLUMNS} from ${FROM}`;

export function customerView(r: any) {
  const balance = num(r.balance);
  const creditLimit = num(r.credit_limit);
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    phone: r.phone,
    email: r.email,
    taxId: r.tax_id,
    groupId: r.group_id,
    group: r.group_id ? { id: r.group_id, name: r.group_name, discountBp: r.group_discount_bp } : null,
    // positive: money on account; negative: the customer owes us
    balance,
    debt: Math.max(0, -balance),
    creditLimit,
    // what a credit sale may still take: the deposit plus the unused credit line
    availableCredit: Math.max(0, balance + creditLimit),
    points: num(r.points),
    birthday: r.birthday ? isoDate(r.birthday) : null,
    notes: r.notes,
    archived: r.archived,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

function isoDate(d: Date | string): string {
  if (typeof d === 'string') return d.slice(0, 10);
  // pg gives a DATE as local midnight; format it back in local time, not UTC
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

const LEDGER_COLUMNS = 'id, kind, amount, balance_after, ref_type, ref_id, note, user_id, at';

function ledgerView(r: any) {
  return {
    id: num(r.id),
    kind: r.kind,
    amount: num(r.amount),
    balanceAfter: num(r.balance_after),
    // deposits and repayments: how the money came in (cash|card|transfer); sales: 'sale' + its id
    refType: r.ref_type,
    refId: r.ref_id,
    note: r.note,
    userId: r.user_id,
    at: r.at,
  };
}

function pointsView(r: any) {
  return { id: num(r.id), kind: r.kind, points: num(r.points), pointsAfter: num(r.points_after), refType: r.ref_type, refId: r.ref_id, note: r.note, userId: r.user_id, at: r.at };
}

/** `action`: the caller's row rules for it apply (a customer they may not touch is not found); none right after a create. */
async function loadCustomer(ctx: RequestContext, id: string, lock = false, action?: string) {
  const rule = action ? ctx.rulesSql(action, SUBJECT, { alias: 'c' }) : { sql: 'true', params: [] };
  const [row] = await ctx.em.execute(`${SELECT} where c.id = ? and ${rule.sql}${lock ? ' for update of c' : ''}`, [id, ...rule.params]);
  if (!row) throw new NotFoundError('Customer not found', { subject: 'pos.Customer', customerId: id });
  return row;
}

async function requireGroup(ctx: RequestContext, groupId: string) {
  const [g] = await ctx.em.execute('select id from pos.customer_group where id = ?', [groupId]);
  if (!g) throw new NotFoundError(`Customer group ${groupId} does not exist (groupId)`, { subject: 'pos.CustomerGroup', field: 'groupId' });
}

function phoneTaken(phone: string, customerId: string) {
  return new ConflictError(`Another customer already has the phone ${phone} (phone)`, 'PHONE_TAKEN', { field: 'phone', phone, customerId });
}

/** The latest ledger row of a customer whose row this transaction has locked (so it is ours). */
async function lastLedgerRow(ctx: RequestContext, table: 'customer_ledger' | 'loyalty_ledger', customerId: string) {
  const [row] = await ctx.em.execute(`select * from pos.${table} where customer_id = ? order by id desc limit 1`, [customerId]);
  return row;
}

/**
 * Customers: people and companies with a phone (normalised, unique per tenant), a group (automatic
 * discount), a money account (deposits, credit sales, repayments) and loyalty points. Balances
 * change only through domain/customer-ledger.ts; here are the manual operations and the views.
 */
/** The till that took cash for a deposit or repayment: the cash goes into its open shift's drawer. */
const TillRegister = Type.String({ format: 'uuid', description: "the till that took the cash: it goes into that shift's drawer" });

/** Money the customer brings (deposit or repayment): ledger entry, and the drawer when paid in cash at a till. */
async function receiveMoney(ctx: any, m: { id: string; amount: number; kind: 'deposit' | 'repayment'; method: string; note?: string; registerId?: string }) {
  const r = await postCustomerMoney(ctx, m.id, m.amount, m.kind, { refType: m.method, note: m.note ?? null });
  if (m.registerId && m.method === 'cash') await recordTillCashIn(ctx, m.registerId, m.amount, `${m.kind} ${m.id}`);
  ctx.audit.target(m.id);
  return { entry: ledgerView(await lastLedgerRow(ctx, 'customer_ledger', m.id)), balance: r.balance, creditLimit: r.creditLimit };
}

/** Shorter search text is matched by a scan (an index of 1–2 letter fragments would match nearly everyone). */
const MIN_INDEXED = 3;
/** Name suffixes are indexed up to this many characters (migration 0042); longer text is re-checked with ILIKE. */
const TERM_CHARS = 16;

/** The columns customerView reads, named: a prepared statement must not depend on `c.*`. */
const SEARCH_SELECT = SELECT;

/**
 * Customers whose name contains the text (any case) or whose phone ends with its digits, through
 * indexes RLS lets the planner use (migration 0042: ILIKE, LIKE and reverse() are not leakproof,
 * so under RLS they filter every customer of the tenant). The name's suffix index and the
 * `phone_reversed` index give the candidates' keys; customers are then read by primary key only
 * for those. Same matches, order and exact total as ILIKE over the whole table — one prepared
 * statement, with the total counted alongside the page.
 */
async function searchCustomers(
  ctx: RequestContext,
  text: string,
  f: { limit: number; offset: number; groupId?: string; hasDebt?: boolean; archived: boolean; kind?: string; sort?: string },
) {
  const values: unknown[] = [ctx.tenantId, text, f.archived];
  const bind = (v: unknown, cast: string) => `$${values.push(v)}${cast}`;
  // a fragment is a substring of the name exactly when it starts one of the name's suffixes
  const nameKeys = `select ct.customer_id from pos.customer_term ct
    where ct.tenant_id = $1::uuid and ct.term >= left(lower($2::text), ${TERM_CHARS}) and ct.term < left(lower($2::text), ${TERM_CHARS}) || chr(1114111)`;
  const suffix = phoneSearchSuffix(text);
  // the phone ends with the digits: its reversed digits start with them (a range on a "C" column, leakproof)
  const phoneMatch = (alias: string, digits: string) => `(${alias}.phone_reversed >= ${digits} and ${alias}.phone_reversed < ${digits} || chr(1114111))`;
  const reversed = suffix ? bind([...suffix].reverse().join(''), '::text') : '';
  const keys = suffix
    ? `${nameKeys} union select p.id from pos.customer p where p.tenant_id = $1::uuid and ${phoneMatch('p', reversed)}`
    : `select distinct x.customer_id from (${nameKeys}) x`;
  const where = ['c.tenant_id = $1::uuid', 'c.archived = $3::boolean', `c.id = any(array(${keys}))`];
  // the index holds the first TERM_CHARS characters of each suffix: longer text is checked whole
  if (text.length > TERM_CHARS) where.push(`(c.name ilike ${bind(likePattern(text), '::text')}${suffix ? ` or ${phoneMatch('c', reversed)}` : ''})`);
  if (f.groupId) where.push(`c.group_id = ${bind(f.groupId, '::uuid')}`);
  if (f.hasDebt !== undefined) where.push(f.hasDebt ? 'c.balance < 0' : 'c.balance >= 0');
  if (f.kind) where.push(`c.kind = ${bind(f.kind, '::text')}`);
  const rule = ctx.rulesSql('read', SUBJECT, { alias: 'c', firstParam: values.length + 1 });
  values.push(...rule.params);
  where.push(rule.sql);
  const cond = where.join(' and ');
  const filterValues = [...values];
  const order = orderBy(f.sort, SORTS, 'c.name asc', 'c.id');
  const rows = await ctx.sql(
    `${SEARCH_SELECT.replace('select ', 'select count(*) over () as total, ')} where ${cond} order by ${order} limit ${bind(f.limit, '::int')} offset ${bind(f.offset, '::int')}`,
    values,
  );
  let total = rows.length ? Number(rows[0].total) : 0;
  // a page past the end has no row to carry the total
  if (!rows.length && f.offset > 0) total = Number((await ctx.sql(`select count(*) as n from pos.customer c where ${cond}`, filterValues))[0].n);
  return { items: rows.map(customerView), total, limit: f.limit, offset: f.offset };
}

export const customersService = defineService({
  name: 'customers',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      summary: 'Find customers: q matches the end of the phone (4+ digits) or part of the name',
      params: Type.Object({
        ...Paging,
        q: Type.Optional(Type.String({ maxLength: 200 })),
        groupId: Type.Optional(Id),
        hasDebt: Type.Optional(Type.Boolean()),
        archived: Type.Optional(Type.Boolean({ default: false })),
        kind: Type.Optional(Kind),
        sort: Sort,
      }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0, q, groupId, hasDebt, archived = false, kind, sort } = ctx.params;
        const text = q?.trim();
        if (text && text.length >= MIN_INDEXED) return searchCustomers(ctx, text, { limit, offset, groupId, hasDebt, archived, kind, sort });
        // tenant_id is also what RLS enforces; naming it lets the planner use the (tenant_id, …) indexes
        const rule = ctx.rulesSql('read', SUBJECT, { alias: 'c' });
        const where = sqlWhere().always('c.tenant_id = ?', ctx.tenantId).always('c.archived = ?', archived).always(rule.sql, ...rule.params)
          // one or two letters: too unselective for an index, a scan of the tenant's customers
          .add('c.name ilike ?', text ? likePattern(text) : undefined).add('c.group_id = ?', groupId).add('c.kind = ?', kind);
        if (hasDebt !== undefined) where.always(hasDebt ? 'c.balance < 0' : 'c.balance >= 0');
        return { ...(await listPage(ctx, { select: COLUMNS, from: FROM, where, orderBy: orderBy(sort, SORTS, 'c.name asc', 'c.id'), limit, offset }, customerView)), limit, offset };
      },
    }),

    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', SUBJECT],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        return customerView(await loadCustomer(ctx, ctx.params.id, false, 'read'));
      },
    }),

    create: defineAction({
      rest: 'POST /',
      permission: ['create', SUBJECT],
      status: 201,
      idempotent: true,
      summary: 'Register a customer (phone normalised to digits, unique in the tenant)',
      params: Type.Object({
        kind: Type.Optional(Kind),
        name: Type.String({ minLength: 1, maxLength: 200 }),
        phone: Type.Optional(Nullable(Phone)),
        email: Type.Optional(Nullable(Email)),
        taxId: Type.Optional(Nullable(TaxId)),
        groupId: Type.Optional(Nullable(Id)),
        creditLimit: Type.Optional(Limit),
        birthday: Type.Optional(Nullable(Type.String({ format: 'date' }))),
        notes: Type.Optional(Nullable(Type.String({ maxLength: 5000 }))),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const name = p.name.trim();
        if (!name) throw blankName();
        const phoneText = blankToNull(p.phone);
        const phone = phoneText ? normalizePhone(phoneText) : null;
        if (p.groupId) await requireGroup(ctx, p.groupId);
        // granting credit is a money decision, not a data entry one
        if (p.creditLimit) ctx.authorize('credit', SUBJECT);
        const id = crypto.randomUUID();
        // ON CONFLICT keeps the transaction usable when the phone is taken (a failed INSERT would abort it)
        const inserted = await ctx.em.execute(
          `insert into pos.customer (tenant_id, id, kind, name, phone, email, tax_id, group_id, credit_limit, birthday, notes)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing returning id`,
          [ctx.tenantId, id, p.kind ?? 'person', name, phone, blankToNull(p.email) ?? null, blankToNull(p.taxId) ?? null, p.groupId ?? null, p.creditLimit ?? 0, p.birthday ?? null, p.notes ?? null],
        );
        if (!inserted.length) {
          const [other] = await ctx.em.execute('select id from pos.customer where phone = ?', [phone]);
          throw phoneTaken(phone!, other?.id);
        }
        const view = customerView(await loadCustomer(ctx, id));
        await ctx.emit('pos.customer.created.v1', { id, kind: view.kind, name: view.name, phone: view.phone, email: view.email, groupId: view.groupId });
        return view;
      },
    }),

    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['update', SUBJECT],
      summary: 'Change a customer; creditLimit needs the credit permission and cannot go below the current debt',
      params: Type.Object({
        id: Id,
        kind: Type.Optional(Kind),
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        phone: Type.Optional(Nullable(Phone)),
        email: Type.Optional(Nullable(Email)),
        taxId: Type.Optional(Nullable(TaxId)),
        groupId: Type.Optional(Nullable(Id)),
        creditLimit: Type.Optional(Limit),
        birthday: Type.Optional(Nullable(Type.String({ format: 'date' }))),
        notes: Type.Optional(Nullable(Type.String({ maxLength: 5000 }))),
        archived: Type.Optional(Type.Boolean()),
        version: Type.Optional(Type.Integer({ minimum: 1 })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        // the row lock makes the credit-limit check and concurrent credit sales take turns
        const before = await loadCustomer(ctx, p.id, true, 'update');
        if (p.version !== undefined && p.version !== before.version) {
          throw new ConflictError('The customer was changed by someone else; reload and retry', 'STALE', { currentVersion: before.version });
        }
        const upd = sqlSet();
        const set = (col: string, v: unknown) => upd.always(`${col} = ?`, v);
        if (p.kind !== undefined) set('kind', p.kind);
        if (p.name !== undefined) {
          if (!p.name.trim()) throw blankName();
          set('name', p.name.trim());
        }
        if (p.phone !== undefined) {
          const phoneText = blankToNull(p.phone);
          const phone = phoneText ? normalizePhone(phoneText) : null;
          if (phone && phone !== before.phone) {
            const [other] = await ctx.em.execute('select id from pos.customer where phone = ? and id <> ?', [phone, p.id]);
            if (other) throw phoneTaken(phone, other.id);
          }
          set('phone', phone);
        }
        if (p.email !== undefined) set('email', blankToNull(p.email));
        if (p.taxId !== undefined) set('tax_id', blankToNull(p.taxId));
        if (p.groupId !== undefined) {
          if (p.groupId) await requireGroup(ctx, p.groupId);
          set('group_id', p.groupId);
        }
        if (p.creditLimit !== undefined && p.creditLimit !== num(before.credit_limit)) {
          ctx.authorize('credit', SUBJECT);
          const debt = Math.max(0, -num(before.balance));
          if (p.creditLimit < debt) {
            throw new UnprocessableError(`The credit limit cannot be lower than the current debt of ${debt} (creditLimit)`, 'CREDIT_LIMIT_BELOW_DEBT', { field: 'creditLimit', debt, creditLimit: p.creditLimit, currency: await currencyOf(ctx) });
          }
          set('credit_limit', p.creditLimit);
        }
        if (p.birthday !== undefined) set('birthday', p.birthday);
        if (p.notes !== undefined) set('notes', p.notes);
        if (p.archived !== undefined) {
          if (p.archived && !before.archived && num(before.balance) !== 0) throw balanceOpen(num(before.balance), await currencyOf(ctx));
          set('archived', p.archived);
        }
        if (upd.empty) return customerView(before);
        await ctx.em.execute(`update pos.customer set ${upd.always('updated_at = now()').always('version = version + 1').text()} where id = ?`, [...upd.params, p.id]);
        const after = customerView(await loadCustomer(ctx, p.id));
        ctx.audit.diff(customerView(before), after);
        return after;
      },
    }),

    remove: defineAction({
      rest: 'DELETE /:id',
      permission: ['delete', SUBJECT],
      summary: 'Delete a customer without history; one with sales, ledger entries or gift cards is archived instead',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const before = await loadCustomer(ctx, ctx.params.id, true, 'delete');
        const [h] = await ctx.em.execute(
          `select exists (select 1 from pos.customer_ledger where customer_id = ?)
               or exists (select 1 from pos.loyalty_ledger where customer_id = ?)
               or exists (select 1 from pos.sale where customer_id = ?)
               or exists (select 1 from pos.gift_card where customer_id = ?) as has_history`,
          [before.id, before.id, before.id, before.id],
        );
        ctx.audit.target(before.id);
        if (h.has_history) {
          if (num(before.balance) !== 0) throw balanceOpen(num(before.balance), await currencyOf(ctx));
          await ctx.em.execute('update pos.customer set archived = true, updated_at = now(), version = version + 1 where id = ?', [before.id]);
          ctx.audit.diff(customerView(before), { ...customerView(before), archived: true });
          return { id: before.id, deleted: false, archived: true };
        }
        await ctx.em.execute('delete from pos.customer where id = ?', [before.id]);
        ctx.audit.diff(customerView(before), null);
        return { id: before.id, deleted: true, archived: false };
      },
    }),

    sales: defineAction({
      rest: 'GET /:id/sales',
      permission: ['read', SUBJECT],
      summary: 'Purchase history: the customer\'s sales, newest first, with lines and payments',
      params: Type.Object({ id: Id, ...Paging }, { additionalProperties: false }),
      async handler(ctx) {
        const { id, limit = 20, offset = 0 } = ctx.params;
        ctx.authorize('read', 'pos.Sale');
        await loadCustomer(ctx, id, false, 'read');
        // the sales listed are those the caller may read
        const sales = ctx.rulesSql('read', 'pos.Sale', { alias: 's' });
        const rows = await ctx.em.execute(
          `select s.id, s.number, s.store_id, s.register_id, s.status, s.currency, s.subtotal, s.discount_total, s.total, s.paid_total,
                  s.refunded_total, s.points_earned, s.sold_at,
                  (select coalesce(json_agg(json_build_object('lineNo', l.line_no, 'productId', l.product_id, 'name', l.name, 'qtyMilli', l.qty_milli,
                          'unitPrice', l.unit_price, 'total', l.total, 'returnedMilli', l.returned_milli) order by l.line_no), '[]'::json)
                     from pos.sale_line l where l.tenant_id = s.tenant_id and l.sale_id = s.id) as lines,
                  (select coalesce(json_agg(json_build_object('method', sp.method, 'amount', sp.amount, 'refunded', sp.refunded) order by sp.line_no), '[]'::json)
                     from pos.sale_payment sp where sp.tenant_id = s.tenant_id and sp.sale_id = s.id) as payments
             from pos.sale s where s.customer_id = ? and ${sales.sql} order by s.sold_at desc, s.id desc limit ? offset ?`,
          [id, ...sales.params, limit, offset],
        );
        const [sum] = await ctx.em.execute(
          `select count(*)::int as n, count(*) filter (where status = 'completed')::int as completed,
                  coalesce(sum(total - refunded_total) filter (where status = 'completed'), 0)::text as spent, max(sold_at) as last_at
             from pos.sale s where s.customer_id = ? and ${sales.sql}`,
          [id, ...sales.params],
        );
        return {
          items: rows.map((s: any) => ({
            id: s.id, number: s.number, storeId: s.store_id, registerId: s.register_id, status: s.status, currency: s.currency,
            subtotal: num(s.subtotal), discountTotal: num(s.discount_total), total: num(s.total), paidTotal: num(s.paid_total),
            refundedTotal: num(s.refunded_total), pointsEarned: num(s.points_earned), soldAt: s.sold_at, lines: s.lines, payments: s.payments,
          })),
          total: sum.n,
          summary: { completedSales: sum.completed, spent: num(sum.spent), lastPurchaseAt: sum.last_at },
          limit,
          offset,
        };
      },
    }),

    ledger: defineAction({
      rest: 'GET /:id/ledger',
      permission: ['read', SUBJECT],
      summary: 'The customer\'s money ledger, newest first',
      params: Type.Object({
        id: Id,
        ...Paging,
        kind: Type.Optional(Type.Union(['deposit', 'credit_sale', 'account_payment', 'repayment', 'refund', 'adjust'].map((k) => Type.Literal(k)))),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const { id, limit = 20, offset = 0, kind } = ctx.params;
        const c = await loadCustomer(ctx, id, false, 'read');
        const where = sqlWhere().always('customer_id = ?', id).add('kind = ?', kind);
        const page = await listPage(ctx, { select: LEDGER_COLUMNS, from: 'pos.customer_ledger', where, orderBy: 'id desc', limit, offset }, ledgerView);
        return { ...page, balance: num(c.balance), creditLimit: num(c.credit_limit), limit, offset };
      },
    }),

    deposit: defineAction({
      rest: 'POST /:id/deposits',
      permission: ['credit', SUBJECT],
      status: 201,
      idempotent: true,
      summary: 'Put money on the customer\'s account (send Idempotency-Key: a retry must not deposit twice)',
      params: Type.Object({ id: Id, amount: Money, method: Type.Optional(Method), note: Type.Optional(Note), registerId: Type.Optional(TillRegister) }, { additionalProperties: false }),
      async handler(ctx) {
        const { id, amount, method = 'cash', note, registerId } = ctx.params;
        await loadCustomer(ctx, id, true, 'credit');
        return receiveMoney(ctx, { id, amount, kind: 'deposit', method, note, registerId });
      },
    }),

    repay: defineAction({
      rest: 'POST /:id/repayments',
      permission: ['credit', SUBJECT],
      status: 201,
      idempotent: true,
      summary: 'The customer pays back debt (at most what is owed; extra money is a deposit)',
      params: Type.Object({ id: Id, amount: Money, method: Type.Union([Type.Literal('cash'), Type.Literal('card')]), note: Type.Optional(Note), registerId: Type.Optional(TillRegister) }, { additionalProperties: false }),
      async handler(ctx) {
        const { id, amount, method, note, registerId } = ctx.params;
        const c = await loadCustomer(ctx, id, true, 'credit');
        if (c.archived) throw new NotFoundError('Customer not found', { subject: 'pos.Customer', customerId: id });
        const debt = Math.max(0, -num(c.balance));
        if (amount > debt) {
          throw new UnprocessableError(
            debt ? `The customer owes ${debt}; a repayment cannot be larger (amount) — put the rest on account as a deposit` : 'The customer owes nothing (amount)',
            debt ? 'REPAYMENT_EXCEEDS_DEBT' : 'NO_DEBT',
            { field: 'amount', debt, amount, currency: await currencyOf(ctx) },
          );
        }
        return receiveMoney(ctx, { id, amount, kind: 'repayment', method, note, registerId });
      },
    }),

    points: defineAction({
      rest: 'GET /:id/points',
      permission: ['read', SUBJECT],
      summary: 'The customer\'s loyalty points ledger, newest first',
      params: Type.Object({ id: Id, ...Paging }, { additionalProperties: false }),
      async handler(ctx) {
        const { id, limit = 20, offset = 0 } = ctx.params;
        const c = await loadCustomer(ctx, id, false, 'read');
        const page = await listPage(ctx, { select: 'id, kind, points, points_after, ref_type, ref_id, note, user_id, at', from: 'pos.loyalty_ledger', where: sqlWhere().always('customer_id = ?', id), orderBy: 'id desc', limit, offset }, pointsView);
        return { ...page, points: num(c.points), limit, offset };
      },
    }),

    adjustPoints: defineAction({
      rest: 'POST /:id/points',
      permission: ['points', SUBJECT],
      status: 201,
      idempotent: true,
      summary: 'Add (+) or take away (−) loyalty points by hand, with the reason',
      params: Type.Object({
        id: Id,
        points: Type.Integer({ minimum: -1_000_000_000, maximum: 1_000_000_000, description: 'non-zero: + adds, − takes away' }),
        reason: Type.String({ minLength: 1, maxLength: 500 }),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const { id, points, reason } = ctx.params;
        if (points === 0) throw new ValidationError('Invalid input: points must not be 0', [{ field: 'points', code: 'notZero', message: 'must not be 0' }]);
        if (!reason.trim()) throw new ValidationError('Invalid input: reason is blank', [{ field: 'reason', code: 'blank', message: 'must not be blank' }]);
        await loadCustomer(ctx, id, true, 'points');
        const after = await postPoints(ctx, id, points, 'adjust', { note: reason.trim() });
        ctx.audit.target(id);
        return { entry: pointsView(await lastLedgerRow(ctx, 'loyalty_ledger', id)), points: after };
      },
    }),
  },
});

function balanceOpen(balance: number, currency: string) {
  return new UnprocessableError(
    balance < 0 ? `The customer still owes ${-balance}; settle the debt before archiving` : `The customer has ${balance} on account; pay it out before archiving`,
    'CUSTOMER_BALANCE_OPEN',
    { field: 'archived', balance, kind: balance < 0 ? 'debt' : 'deposit', amount: Math.abs(balance), currency },
  );
}

function blankName() {
  return new ValidationError('Invalid input: name is blank', [{ field: 'name', code: 'blank', message: 'must not be blank' }]);
}
