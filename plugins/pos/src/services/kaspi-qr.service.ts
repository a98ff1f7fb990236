import { defineAction, defineService, Type, UnprocessableError, type RequestContext } from '@atrium/sdk';
import { renderSVG } from 'uqr';
import { formatMinor } from '../domain/money.ts';
import { posSettings } from '../domain/settings.ts';

/**
 * Kaspi QR at the till, through the payments core and its `payments-kaspi` provider (allowlisted
 * actions, never their tables): the till asks for a QR for the amount, shows it on its screen and
 * the customer display, and follows the payment until Kaspi reports it paid; the sale then records a
 * `kaspi_qr` tender naming the payment intent, which the sale checks (captured, the amount, this
 * sale) and which can pay one sale only. Actions hold no database transaction while payments talks
 * to Kaspi (`transaction: false`); a second "show QR" press makes a new QR — an unpaid one expires.
 */
type Intent = { id: string; status: string; amount: number; amountCaptured: number; currency: string; reference: { plugin: string; id: string } | null; action: { qrToken?: string; url?: string }; expiresAt: string | null };

const Id = Type.String({ format: 'uuid' });

function view(i: Intent) {
  const qr = i.action?.qrToken ?? i.action?.url ?? null;
  return { intentId: i.id, status: i.status, amount: i.amount, amountPaid: i.amountCaptured, expiresAt: i.expiresAt, qr, qrSvg: qr ? renderSVG(qr, { border: 2 }) : null };
}

async function assertKaspiOn(ctx: RequestContext) {
  if (!(await posSettings(ctx)).kaspiQr) throw new UnprocessableError('Kaspi QR is not switched on for this shop (POS setting kaspiQr)', 'KASPI_QR_OFF');
}

export const kaspiQrService = defineService({
  name: 'kaspiQr',
  rest: 'kaspi-qr',
  actions: {
    start: defineAction({
      rest: 'POST /',
      permission: ['create', 'pos.Sale'],
      transaction: false,
      mutates: true,
      status: 201,
      summary: 'A Kaspi QR for (part of) a sale: shown on the till and the customer display; pay with it as the kaspi_qr tender once paid',
      params: Type.Object({
        saleId: Id,
        registerId: Id,
        amount: Type.Integer({ minimum: 1, maximum: 1_000_000_000_000 }),
        /** `display@<this suffix>` shows the amount to the customer (the register's role suffix). */
        displayRole: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,59}$' })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        await assertKaspiOn(ctx);
        const p = ctx.params;
        const intent = await ctx.call<Intent>('payments.intents.create', {
          amount: p.amount, currency: 'KZT', provider: 'kaspi', flow: 'qr', expiresInMinutes: 5,
          reference: { plugin: 'pos', id: p.saleId }, description: `POS sale ${p.saleId}`,
        });
        ctx.audit.target(intent.id);
        // best effort: the customer display shows what to pay (a till without one still works)
        if (p.displayRole) {
          await ctx.devices.display(`display@${p.displayRole}`, ['Kaspi QR', `${formatMinor(p.amount)} KZT`], { idempotencyKey: `pos:kaspi:${intent.id}:display` }).catch(() => undefined);
        }
        return view(intent);
      },
    }),
    status: defineAction({
      rest: 'GET /:intentId',
      permission: ['create', 'pos.Sale'],
      transaction: false,
      summary: 'Where the Kaspi QR payment is: asks Kaspi now (Kaspi sends no callbacks)',
      params: Type.Object({ intentId: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const intent = await ctx.call<Intent>('payments.intents.refresh', { id: ctx.params.intentId });
        if (intent.reference?.plugin !== 'pos') throw new UnprocessableError('This payment is not a till payment', 'NOT_A_POS_PAYMENT', { field: 'intentId' });
        return view(intent);
      },
    }),
  },
});
