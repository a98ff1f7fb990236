import { describe, expect, it } from 'vitest';
import { SerialTransport } from './serial-transport.ts';
import { SerialScaleDriver } from './scale.driver.ts';
import { SerialScannerDriver } from './scanner.driver.ts';
import { VfdDisplayDriver } from './display.driver.ts';
import { VirtualSerialBus, VirtualSerialScale, VirtualSerialScanner } from '../virtual/virtual-serial.ts';
import { VirtualVfdDisplay } from '../virtual/virtual-display.ts';

describe('serial devices through serialport MockBinding', () => {
  it('scanner: codes terminated by CR arrive as scan events', async () => {
    const bus = new VirtualSerialBus();
    const scanner = new VirtualSerialScanner();
    bus.attach('/dev/ttyVSCAN0', scanner);
    const driver = new SerialScannerDriver(new SerialTransport({ path: '/dev/ttyVSCAN0', baudRate: 9600, binding: bus.binding }));
    await driver.open();
    const got: string[] = [];
    driver.on('scan', (c: string) => got.push(c));
    scanner.scan('4870001234567');
    scanner.scan('ABC-123');
    await expect.poll(() => got, { timeout: 2000 }).toEqual(['4870001234567', 'ABC-123']);
    await driver.close();
  });

  for (const protocol of ['toledo', 'cas'] as const) {
    it(`scale (${protocol}): reads integer grams and stability`, async () => {
      const bus = new VirtualSerialBus();
      const scale = new VirtualSerialScale(protocol);
      bus.attach(`/dev/ttyVSCALE-${protocol}`, scale);
      const driver = new SerialScaleDriver(new SerialTransport({ path: `/dev/ttyVSCALE-${protocol}`, baudRate: 9600, binding: bus.binding }), protocol);
      scale.grams = 1234;
      expect(await driver.read()).toEqual({ grams: 1234, stable: true });
      scale.grams = 250;
      expect(await driver.read()).toEqual({ grams: 250, stable: true });
      scale.stable = false;
      expect((await driver.read()).stable).toBe(false);
      await driver.close();
    });
  }

  it('VFD 2×20: two lines, truncated to 20, Kazakh letters degraded to Russian shapes', async () => {
    const bus = new VirtualSerialBus();
    const vfd = new VirtualVfdDisplay();
    bus.attach('/dev/ttyVFD0', vfd);
    const driver = new VfdDisplayDriver(new SerialTransport({ path: '/dev/ttyVFD0', baudRate: 9600, binding: bus.binding }));
    await driver.show(['Итого: 2 050.00 ₸', 'Рахмет! Сау болыңыз, қош']);
    await expect.poll(() => vfd.rows, { timeout: 2000 }).toEqual(['Итого: 2 050.00 ?   ', 'Рахмет! Сау болыныз,']);
    await driver.close();
  });
});
