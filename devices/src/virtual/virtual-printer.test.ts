import { afterEach, describe, expect, it } from 'vitest';
import { getDot } from '../encoding/bitmap.ts';
import { BUILTIN_PROFILES, getProfile } from '../encoding/printer-profile.ts';
import { rasterizeText } from '../encoding/text-rasterizer.ts';
import { drawerKickBytes, EscPosBuilder } from '../escpos/escpos-builder.ts';
import { TcpTransport } from '../drivers/byte-transport.ts';
import { EscPosPrinterDriver } from '../drivers/escpos-printer.driver.ts';
import { renderReceipt } from '../receipt/receipt.renderer.ts';
import { multilingualReceipt } from '../receipt/sample-receipts.ts';
import { testPageDocument, PANGRAMS } from '../receipt/test-page.ts';
import { VirtualPrinter } from './virtual-printer.ts';

const printers: VirtualPrinter[] = [];
afterEach(async () => { for (const p of printers.splice(0)) await p.stop(); });

async function setup(profileId: string) {
  const vp = new VirtualPrinter(getProfile(profileId));
  printers.push(vp);
  await vp.start();
  const driver = new EscPosPrinterDriver({ profile: vp.profile, transport: () => new TcpTransport(vp.host, vp.port), statusTimeoutMs: 300 });
  return { vp, driver };
}

describe('receipt → driver → virtual printer', () => {
  for (const profileId of Object.keys(BUILTIN_PROFILES)) {
    it(`${profileId}: every line comes back as the same text or as the exact image of it`, async () => {
      const { vp, driver } = await setup(profileId);
      const rendered = renderReceipt(multilingualReceipt(), vp.profile);
      expect(await driver.print(rendered.bytes)).toEqual({ state: 'done' });
      const [receipt] = await vp.waitForReceipts(1);
      const printedLines = receipt!.items.filter((i) => i.kind === 'text' || (i.kind === 'image' && i.height === 24));
      expect(printedLines.length).toBe(rendered.lines.length);
      rendered.lines.forEach((line, idx) => {
        const got = printedLines[idx]!;
        if (line.mode === 'text') {
          expect(got).toMatchObject({ kind: 'text', text: line.text });
        } else {
          expect(got.kind).toBe('image');
          const want = rasterizeText(line.text, { width: vp.profile.dotsPerLine, bold: line.bold, align: line.align });
          if (got.kind === 'image') expect(Buffer.from(got.data).equals(Buffer.from(want.data))).toBe(true);
        }
      });
      // Kazakh letters never go out as text on any profile, and never as '?'.
      expect(receipt!.text.join('\n')).not.toContain('?');
      const kazakh = rendered.lines.find((l) => l.text.includes('Қант'))!;
      expect(kazakh.mode).toBe(vp.profile.codePages.kz1048 === undefined ? 'raster' : 'text');
      expect(receipt!.items).toContainEqual({ kind: 'qr', data: 'https://example.invalid/r/123?s=2050.00' });
      expect(receipt!.items).toContainEqual({ kind: 'barcode', symbology: 'EAN13', data: '4870001234567' });
    });
  }

  it('Epson uses KZ-1048 for Kazakh and CP1125 for Ґ; the clone and Star rasterise Kazakh', async () => {
    const epson = renderReceipt(testPageDocument(getProfile('epson-tm-t20-80')), getProfile('epson-tm-t20-80'));
    // The pangrams wrap; pick the printed line that holds the telling letter.
    const byText = (r: typeof epson, letter: string) => r.lines.find((l) => l.text.includes(letter))!;
    expect(byText(epson, 'ә')).toMatchObject({ mode: 'text', codePage: 'kz1048' });
    expect(byText(epson, 'ґ')).toMatchObject({ mode: 'text', codePage: 'cp1125' });
    expect(byText(epson, 'Съешь')).toMatchObject({ mode: 'text', codePage: 'cp866' });
    const clone = renderReceipt(testPageDocument(getProfile('xprinter-58')), getProfile('xprinter-58'));
    expect(byText(clone, 'ә').mode).toBe('raster');
    // CP1251 has Ґ ґ (CP866 has not), so the clone falls back to its WPC1251 — numbered 23 there.
    expect(byText(clone, 'ґ')).toMatchObject({ mode: 'text', codePage: 'wpc1251' });
    expect(byText(clone, 'Съешь')).toMatchObject({ mode: 'text', codePage: 'cp866' });
    const star = renderReceipt(testPageDocument(getProfile('star-tsp100-80')), getProfile('star-tsp100-80'));
    expect(byText(star, 'қ').mode).toBe('raster');
  });

  it('decodes with the vendor numbering: WPC1251 is 46 on Epson but 23 on the clone', async () => {
    const line = Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]); // "Привет" in CP1251
    for (const [id, n] of [['epson-tm-t20-80', 46], ['xprinter-80', 23]] as const) {
      const { vp, driver } = await setup(id);
      const bytes = new EscPosBuilder(vp.profile).init().selectCodePage(n).text(line).newline().cut().bytes();
      expect((await driver.print(bytes)).state).toBe('done');
      expect((await vp.waitForReceipts(1))[0]!.text).toEqual(['Привет']);
    }
  });

  it('drawer kick is the exact 5-byte ESC p m t1 t2 for pins 2 and 5', async () => {
    expect([...drawerKickBytes(2)]).toEqual([0x1b, 0x70, 0x00, 25, 250]);
    expect([...drawerKickBytes(5, 100, 300)]).toEqual([0x1b, 0x70, 0x01, 50, 150]);
    const { vp, driver } = await setup('epson-tm-t20-80');
    const bytes = new EscPosBuilder(vp.profile).init().drawerKick(2).drawerKick(5, 100, 300).bytes();
    expect((await driver.print(bytes)).state).toBe('done');
    expect(vp.drawerKicks).toEqual([
      { pin: 2, onMs: 50, offMs: 500, bytes: [0x1b, 0x70, 0, 25, 250] },
      { pin: 5, onMs: 100, offMs: 300, bytes: [0x1b, 0x70, 1, 50, 150] },
    ]);
  });

  it('paper out → failed PAPER_OUT and nothing printed; cover open → COVER_OPEN', async () => {
    const { vp, driver } = await setup('epson-tm-t20-80');
    const bytes = renderReceipt(multilingualReceipt(), vp.profile).bytes;
    vp.faults.paperOut = true;
    expect(await driver.print(bytes)).toMatchObject({ state: 'failed', reason: 'PAPER_OUT' });
    expect(await driver.status()).toBe('paper-out');
    vp.faults.paperOut = false;
    vp.faults.coverOpen = true;
    expect(await driver.print(bytes)).toMatchObject({ state: 'failed', reason: 'COVER_OPEN' });
    expect(vp.receipts).toHaveLength(0);
    vp.faults.coverOpen = false;
    expect(await driver.print(bytes)).toEqual({ state: 'done' });
    expect(vp.receipts).toHaveLength(1);
  });

  it('connection dropped mid-job → unknown; printer switched off → failed OFFLINE; too slow → unknown', async () => {
    const { vp, driver } = await setup('epson-tm-t20-80');
    const bytes = renderReceipt(multilingualReceipt(), vp.profile).bytes;
    vp.faults.dropAfterBytes = 200;
    expect(await driver.print(bytes)).toMatchObject({ state: 'unknown' });
    vp.faults.dropAfterBytes = -1;
    vp.faults.refuse = true;
    const off = await driver.print(bytes);
    expect(off.state).not.toBe('done');
    vp.faults.refuse = false;
    await vp.stop();
    expect(await driver.print(bytes)).toMatchObject({ state: 'failed', reason: 'OFFLINE' });
  });

  it('a slow printer that answers after the timeout is not reported done', async () => {
    const { vp, driver } = await setup('epson-tm-t20-80');
    vp.faults.slowMs = 50;
    const ok = await driver.print(renderReceipt(multilingualReceipt(), vp.profile).bytes);
    expect(ok.state).toBe('done'); // 50 ms per chunk is within the 300 ms status timeout
    vp.faults.slowMs = 700;
    const slow = await driver.print(Buffer.from([0x1b, 0x40, 0x41, 0x0a]));
    expect(slow.state).not.toBe('done');
  });

  it('logo PNG is printed as a GS v 0 raster of the right size', async () => {
    const { PNG } = await import('pngjs');
    const png = new PNG({ width: 64, height: 16 });
    for (let i = 0; i < png.data.length; i += 4) { const px = (i / 4) % 64; png.data.fill(px < 32 ? 0 : 255, i, i + 3); png.data[i + 3] = 255; }
    const doc = { ...multilingualReceipt(), logoPng: PNG.sync.write(png).toString('base64') };
    const { vp, driver } = await setup('epson-tm-t20-80');
    expect((await driver.print(renderReceipt(doc, vp.profile).bytes)).state).toBe('done');
    const [r] = await vp.waitForReceipts(1);
    const img = r!.items[0]!;
    expect(img).toMatchObject({ kind: 'image', width: 64, height: 16 });
    if (img.kind === 'image') {
      const bmp = { width: 64, height: 16, data: img.data };
      expect(getDot(bmp, 0, 0)).toBe(true);
      expect(getDot(bmp, 40, 5)).toBe(false);
    }
  });
});
