/** True where the browser can read barcodes from the camera (the BarcodeDetector API + a camera). */
export function cameraScanSupported(): boolean {
  const g = globalThis as { BarcodeDetector?: unknown; navigator?: { mediaDevices?: { getUserMedia?: unknown } } };
  return typeof g.BarcodeDetector === 'function' && typeof g.navigator?.mediaDevices?.getUserMedia === 'function';
}
