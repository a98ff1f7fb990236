import crypto from 'node:crypto';

/** Encrypts plugin secrets at rest (AES-256-GCM, key derived from the platform secret). */
export class SecretBox {
  private readonly key: Buffer;
  constructor(secret: string) {
    this.key = Buffer.from(crypto.hkdfSync('sha256', secret, 'atrium', 'plugin-secrets', 32));
  }
  seal(value: Record<string, unknown>): string {
    const iv = crypto.randomBytes(12);
    const c = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([c.update(JSON.stringify(value), 'utf8'), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
  }
  open(sealed: string | null | undefined): Record<string, unknown> {
    if (!sealed) return {};
    const buf = Buffer.from(sealed, 'base64');
    const d = crypto.createDecipheriv('aes-256-gcm', this.key, buf.subarray(0, 12));
    d.setAuthTag(buf.subarray(12, 28));
    return JSON.parse(Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString('utf8'));
  }
}
