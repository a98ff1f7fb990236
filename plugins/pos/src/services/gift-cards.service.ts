import crypto from 'node:crypto';
import { ConflictError, defineAction, defineService, listPage, NotFoundError, orderBy, Paging, Sort, sqlWhere, Type, UnprocessableError, type RequestContext } from '@atrium/sdk';
import { postGiftCard } from '../domain/customer-ledger.ts';
import { num } from '../domain/money.ts';

const SUBJECT = 'pos.GiftCard';
const Id = Type.String({ format: 'uuid' });
// what a cashier types or scans; normalised to upper case (the table allows 0-9, A-Z and -)
const Code = Type.String({ minLength: 6, maxLength: 32, pattern: '^[0-9A-Za-z-]+$' });
const Money = Type.Integer({ minimum: 1, maximum: 10_000_000_000_000 });
const Status = Type.Union([Type.Literal('active'), Type.Literal('blocked'), Type.Literal('expired')]);

// no 0/O, 1/I/L: codes are read out loud and typed from paper
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const SORTS = { createdAt: 'gc.created_at', balance: 'gc.balance', code: 'gc.code', expiresOn: 'gc.expires_on' };

/** 16 random characters as XXXX-XXXX-XXXX-XXXX (~79 bits: not guessable at a till). */
export function generateGiftCardCode(): string {
  const bytes = crypto.randomBytes(16);
  const chars = [...bytes].map((b) => ALPHABET[b % ALPHABET.length]);
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join('')).join('-');
}

const COLUMNS = `gc.id, gc.code, gc.balance, gc.initial_amount, gc.expires_on, gc.customer_id, gc.issued_by, gc.created_at, c.name as customer_name,
    -- an active card past its date reads as expired without a job having to flip it
    case when gc.status = 'active' and gc.expires_on < current_date then 'expired' else gc.status end as effective_status`;
const FROM = 'pos.gift_card gc left join pos.customer c on c.tenant_id = gc.tenant_id and c.id = gc.customer_id';
const SELECT = `select ${COLUMNS} from ${FROM}`;

function view(r: any) {
  return {
    id: r.id,
    code: r.code,
    status: r.effective_status,
    balance: num(r.balance),
    initialAmount: num(r.initial_amount),
    expiresOn: r.expires_on ? isoDate(r.expires_on) : null,
    customerId: r.customer_id,
    customerName: r.customer_name ?? null,
    issuedBy: r.issued_by,
    createdAt: r.created_at,
  };
}

function isoDate(d: Date | string): string {
  if (typeof d === 'string') return d.slice(0, 10);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function ledgerView(r: any) {
  return { id: num(r.id), kind: r.kind, amount: num(r.amount), balanceAfter: num(r.balance_after), refType: r.ref_type, refId: r.ref_id, userId: r.user_id, at: r.at };
}

async function byCode(ctx: RequestContext, code: string, lock = false) {
  const [row] = await ctx.em.execute(`${SELECT} where gc.code = ?${lock ? ' for update of gc' : ''}`, [code.toUpperCase()]);
  if (!row) throw new NotFoundError(`Gift card ${code.toUpperCase()} not found`, { subject: 'pos.GiftCard', code: code.toUpperCase() });
  return row;
}

/**
 * Gift cards: issued with a code (generated or printed on a plastic card), spent at the till by
 * the sale (postGiftCard 'redeem'), blocked when lost. Every balance change is a ledger row, the
 * issue included.
 */
export const giftCardsService = defineService({
  name: 'giftCards',
  rest: 'gift-cards',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      params: Type.Object({
        ...Paging,
        status: Type.Optional(Status),
        customerId: Type.Optional(Id),
        q: Type.Optional(Type.String({ maxLength: 32, description: 'start of the code' })),
        sort: Sort,
      }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0, status, customerId, q, sort } = ctx.params;
        const where = sqlWhere();
        if (status === 'expired') where.always(`gc.status = 'expired' or (gc.status = 'active' and gc.expires_on < current_date)`);
        else if (status === 'active') where.always(`gc.status = 'active' and (gc.expires_on is null or gc.expires_on >= current_date)`);
        else where.add('gc.status = ?', status);
        where.add('gc.customer_id = ?', customerId).add('gc.code like ?', q?.trim() ? `${q.trim().toUpperCase().replace(/[^0-9A-Z-]/g, '')}%` : undefined);
        return { ...(await listPage(ctx, { select: COLUMNS, from: FROM, where, orderBy: orderBy(sort, SORTS, 'gc.created_at desc', 'gc.id'), limit, offset }, view)), limit, offset };
      },
    }),

    get: defineAction({
      rest: 'GET /:code',
      permission: ['read', SUBJECT],
      summary: 'Look a card up by its code (balance, status) — what the cashier does before taking it',
      params: Type.Object({ code: Code }, { additionalProperties: false }),
      async handler(ctx) {
        return view(await byCode(ctx, ctx.params.code));
      },
    }),

    issue: defineAction({
      rest: 'POST /',
      permission: ['issue', SUBJECT],
      status: 201,
      idempotent: true,
      summary: 'Issue a card: a generated code or the one printed on it; the amount is its first ledger row',
      params: Type.Object({
        amount: Money,
        code: Type.Optional(Code),
        expiresOn: Type.Optional(Type.String({ format: 'date' })),
        customerId: Type.Optional(Id),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        if (p.expiresOn && p.expiresOn < new Date().toISOString().slice(0, 10)) {
          throw new UnprocessableError('The expiry date is in the past (expiresOn)', 'EXPIRY_IN_PAST', { field: 'expiresOn' });
        }
        if (p.customerId) {
          const [c] = await ctx.em.execute('select id from pos.customer where id = ? and not archived', [p.customerId]);
          if (!c) throw new NotFoundError(`Customer ${p.customerId} not found (customerId)`, { subject: 'pos.Customer', field: 'customerId' });
        }
        const id = crypto.randomUUID();
        let code = p.code?.toUpperCase();
        // a generated code colliding is astronomically rare, but retrying costs nothing
        for (let attempt = 0; ; attempt++) {
          const tryCode = code ?? generateGiftCardCode();
          // inserted empty, then topped up through the ledger so the issue is a ledger row too
          const rows = await ctx.em.execute(
            `insert into pos.gift_card (tenant_id, id, code, initial_amount, balance, expires_on, customer_id, issued_by)
             values (?, ?, ?, ?, 0, ?, ?, ?) on conflict do nothing returning id`,
            [ctx.tenantId, id, tryCode, p.amount, p.expiresOn ?? null, p.customerId ?? null, ctx.user?.id ?? null],
          );
          if (rows.length) { code = tryCode; break; }
          if (p.code) throw new ConflictError(`A gift card with the code ${tryCode} already exists (code)`, 'GIFT_CARD_CODE_TAKEN', { field: 'code', giftCardCode: tryCode });
          if (attempt >= 4) throw new ConflictError('Could not generate a free gift card code; try again', 'GIFT_CARD_CODE_RETRY');
        }
        await postGiftCard(ctx, { id }, p.amount, 'issue');
        ctx.audit.target(id);
        return view(await byCode(ctx, code!));
      },
    }),

    ledger: defineAction({
      rest: 'GET /:code/ledger',
      permission: ['read', SUBJECT],
      params: Type.Object({ code: Code, ...Paging }, { additionalProperties: false }),
      async handler(ctx) {
        const { code, limit = 20, offset = 0 } = ctx.params;
        const card = await byCode(ctx, code);
        const page = await listPage(ctx, { select: 'id, kind, amount, balance_after, ref_type, ref_id, user_id, at', from: 'pos.gift_card_ledger', where: sqlWhere().always('gift_card_id = ?', card.id), orderBy: 'id desc', limit, offset }, ledgerView);
        return { card: view(card), ...page, limit, offset };
      },
    }),

    block: defineAction({
      rest: 'POST /:code/block',
      permission: ['block', SUBJECT],
      summary: 'Block a card (lost, stolen): it can no longer pay',
      params: Type.Object({ code: Code, reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) }, { additionalProperties: false }),
      async handler(ctx) {
        return setStatus(ctx, ctx.params.code, 'blocked', ctx.params.reason);
      },
    }),

    unblock: defineAction({
      rest: 'POST /:code/unblock',
      permission: ['block', SUBJECT],
      params: Type.Object({ code: Code, reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) }, { additionalProperties: false }),
      async handler(ctx) {
        return setStatus(ctx, ctx.params.code, 'active', ctx.params.reason);
      },
    }),
  },
});

async function setStatus(ctx: RequestContext, code: string, status: 'active' | 'blocked', reason?: string) {
  const before = await byCode(ctx, code, true);
  if (before.status === 'expired') throw new UnprocessableError('The card has expired; it cannot be blocked or unblocked', 'GIFT_CARD_EXPIRED', { field: 'code' });
  if (before.status === status) return view(before);
  await ctx.em.execute('update pos.gift_card set status = ? where id = ?', [status, before.id]);
  const after = view(await byCode(ctx, code));
  ctx.audit.target(before.id);
  ctx.audit.diff(view(before), { ...after, reason: reason ?? null });
  return after;
}
