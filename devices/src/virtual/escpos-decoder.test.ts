import { describe, expect, it } from 'vitest';
import { getProfile } from '../encoding/printer-profile.ts';
import { renderReceipt } from '../receipt/receipt.renderer.ts';
import { multilingualReceipt } from '../receipt/sample-receipts.ts';
import { EscPosDecoder } from './escpos-decoder.ts';

describe('ESC/POS decoder', () => {
  it('gives the same events whether bytes arrive at once or one by one (TCP may split anywhere)', () => {
    const profile = getProfile('epson-tm-t20-58');
    const bytes = renderReceipt({ ...multilingualReceipt(), openDrawer: true }, profile).bytes;
    const whole = new EscPosDecoder(profile).push(bytes);
    const d = new EscPosDecoder(profile);
    const pieces = [...bytes].flatMap((b) => d.push(Buffer.from([b])));
    expect(pieces).toEqual(whole);
    expect(whole.filter((e) => e.type === 'unknown')).toEqual([]);
    expect(whole.at(-1)).toMatchObject({ type: 'drawer', pin: 2 });
    expect(whole.filter((e) => e.type === 'cut')).toHaveLength(1);
  });

  it('decodes the same bytes differently under a different vendor numbering', () => {
    const bytes = Buffer.from([0x1b, 0x74, 23, 0xcf, 0xf0, 0xe8, 0x0a]);
    const clone = new EscPosDecoder(getProfile('xprinter-80')).push(bytes);
    const epson = new EscPosDecoder(getProfile('epson-tm-t20-80')).push(bytes);
    expect(clone.find((e) => e.type === 'text')).toMatchObject({ text: 'При' });
    // On an Epson, 23 is not a Cyrillic page: the same bytes print as something else — the bug profiles prevent.
    expect(epson.find((e) => e.type === 'text')).not.toMatchObject({ text: 'При' });
  });
});
