/**
 * True where the till can scan with the camera: the browser has a camera API (getUserMedia — only
 * in a secure context). Barcodes are read by the browser's BarcodeDetector where it exists, else by
 * the bundled ZXing reader (see barcode-decoder.ts), so Firefox, Safari and desktop Chrome scan too.
 */
export function cameraScanSupported(): boolean {
  const g = globalThis as { navigator?: { mediaDevices?: { getUserMedia?: unknown } } };
  return typeof g.navigator?.mediaDevices?.getUserMedia === 'function';
}

export type CameraProblem = 'denied' | 'noCamera' | 'busy' | 'insecure' | 'decoder' | 'other';

/** What went wrong opening the camera or the reader, as a message key under pos.camera. */
export function cameraProblem(e: unknown, stage: 'camera' | 'decoder'): CameraProblem {
  if (stage === 'decoder') return 'decoder';
  const name = (e as { name?: string } | null)?.name ?? '';
  if (name === 'NotAllowedError' || name === 'PermissionDeniedError') return 'denied';
  if (name === 'SecurityError') return 'insecure';
  if (name === 'NotFoundError' || name === 'DevicesNotFoundError' || name === 'OverconstrainedError') return 'noCamera';
  if (name === 'NotReadableError' || name === 'TrackStartError' || name === 'AbortError') return 'busy';
  return 'other';
}
