import { describe, expect, it } from 'vitest';
// The SDK's copy is what plugins and the kernel validate against; this package keeps its own so the
// agent installs on a till without the SDK. They must be the same schema.
import { ReceiptDocumentSchema as SdkReceiptDocumentSchema } from '../../../sdk/src/devices/receipt-document.ts';
import { ReceiptDocumentSchema } from './receipt.schema.ts';

describe('receipt document schema', () => {
  it('is identical in @atrium/devices and @atrium/sdk', () => {
    expect(JSON.parse(JSON.stringify(ReceiptDocumentSchema))).toEqual(JSON.parse(JSON.stringify(SdkReceiptDocumentSchema)));
  });
});
