import { Type, type Static } from 'typebox';

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
