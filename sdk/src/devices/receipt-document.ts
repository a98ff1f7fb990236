import { Type, type Static } from 'typebox';

/**
 * The receipt document plugins print with `ctx.devices.print(role, document)`: structured JSON,
 * rendered per printer profile by the terminal agent (code pages, raster fallback for glyphs the
 * printer lacks). Plugins never see bytes.
 *
 * This is the schema plugins and the kernel validate against. `@atrium/devices` (the agent, which
 * must install without the SDK on a till) keeps an identical copy in `src/receipt/receipt.schema.ts`;
 * `devices/src/receipt/receipt-schema-sync.test.ts` fails if the two ever differ.
 */

/** Money in integer minor units (tiyn, kopecks); the currency is given once per document. */
const Minor = Type.Integer();
const Align = Type.Union([Type.Literal('left'), Type.Literal('center'), Type.Literal('right')]);

export const ReceiptLineSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    /** Quantity in thousandths (1 pc = 1000, 0.250 kg = 250), so weighed goods stay integers. */
    qtyMilli: Type.Integer({ minimum: 0 }),
    unit: Type.Optional(Type.String()),
    unitPrice: Minor,
    amount: Minor,
  },
  { additionalProperties: false },
);

export const ReceiptDocumentSchema = Type.Object(
  {
    version: Type.Literal(1),
    currency: Type.String({ minLength: 3, maxLength: 3 }),
    /** PNG, base64. Thresholded to 1 bit and printed with GS v 0. */
    logoPng: Type.Optional(Type.String()),
    header: Type.Optional(
      Type.Object({ title: Type.String(), lines: Type.Optional(Type.Array(Type.String())) }, { additionalProperties: false }),
    ),
    lines: Type.Array(ReceiptLineSchema),
    totals: Type.Array(
      Type.Object({ label: Type.String(), amount: Minor, bold: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    ),
    payments: Type.Optional(
      Type.Array(Type.Object({ method: Type.String(), amount: Minor }, { additionalProperties: false })),
    ),
    /** Free text blocks (e.g. the test page's pangrams). */
    text: Type.Optional(
      Type.Array(
        Type.Object(
          { value: Type.String(), align: Type.Optional(Align), bold: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
      ),
    ),
    qr: Type.Optional(Type.Object({ data: Type.String({ minLength: 1 }) }, { additionalProperties: false })),
    barcode: Type.Optional(
      Type.Object(
        {
          type: Type.Union([
            Type.Literal('EAN13'), Type.Literal('EAN8'), Type.Literal('CODE39'), Type.Literal('CODE128'), Type.Literal('UPCA'),
          ]),
          data: Type.String({ minLength: 1 }),
        },
        { additionalProperties: false },
      ),
    ),
    footer: Type.Optional(Type.Array(Type.String())),
    /** Kick the drawer after the cut (cash sale). */
    openDrawer: Type.Optional(Type.Boolean()),
    /** When true the whole receipt is rasterised (for models with no usable code page). */
    forceRaster: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export type ReceiptLine = Static<typeof ReceiptLineSchema>;
export type ReceiptDocument = Static<typeof ReceiptDocumentSchema>;

/** A device job as plugins see it (`ctx.devices.*` returns this). */
export type DeviceJobState = 'queued' | 'dispatched' | 'received' | 'done' | 'failed' | 'unknown' | 'expired';
export type DeviceJob = {
  id: string;
  state: DeviceJobState;
  kind: 'print-receipt' | 'print-raw' | 'open-drawer' | 'display' | 'read-scale' | 'test-page';
  role: string | null;
  terminalId: string;
  deviceId: string;
  idempotencyKey: string;
  /** `done | failed | unknown` with a reason (`PAPER_OUT`, `COVER_OPEN`, `OFFLINE`, `TIMEOUT`, `ENCODING`, `EXPIRED`, `INTERRUPTED`…). */
  outcome: { state: 'done' | 'failed' | 'unknown'; reason?: string; detail?: string; data?: Record<string, unknown> } | null;
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
};

export type DeviceJobOptions = {
  /**
   * One per user intent (e.g. `sale-<id>:receipt`): a retried intent never prints twice. Default:
   * derived from the request's Idempotency-Key (or request id) and the call's position in the handler.
   */
  idempotencyKey?: string;
  /** Which store's role to use when the tenant has several stores defining the same role. */
  storeId?: string;
};

/** Device access for plugin handlers: logical roles (`receipt@front-desk`), never sockets or bytes. */
export interface DeviceClient {
  /** Prints a receipt on the printer behind `role`. Resolves when the job is stored (not printed): watch `state`. */
  print(role: string, document: ReceiptDocument, opts?: DeviceJobOptions): Promise<DeviceJob>;
  /** Kicks the cash drawer behind `role` (expires if not delivered within 30 s). */
  openDrawer(role: string, opts?: DeviceJobOptions & { pin?: 2 | 5 }): Promise<DeviceJob>;
  /** Shows up to two lines on the customer display behind `role`. */
  display(role: string, lines: string[], opts?: DeviceJobOptions): Promise<DeviceJob>;
}
