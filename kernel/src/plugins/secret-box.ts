import crypto from 'node:crypto';

const PLUGIN_DATA_PREFIX = 'pd1.';

/** Encrypts plugin secrets at rest (AES-256-GCM, key derived from the platform secret). */
export class SecretBox {
  private readonly secret: string;
  private readonly key: Buffer;
  private readonly pluginKeys = new Map<string, Buffer>();
  constructor(secret: string) {
    this.secret = secret;
    this.key = Buffer.from(crypto.hkdfSync('sha256', secret, 'atrium', 'plugin-secrets', 32));
  }
  seal(value: Record<string, unknown>): string {
    return seal(this.key, value);
  }
  open(sealed: string | null | undefined): Record<string, unknown> {
    if (!sealed) return {};
    return open(this.key, Buffer.from(sealed, 'base64'));
  }

  /**
   * `ctx.secrets` of a plugin: a key of its own (derived from the platform secret and the plugin
   * id) and the tenant id as associated data, so neither another plugin nor another tenant can
   * open the result.
   */
  sealFor(pluginId: string, tenantId: string, value: Record<string, unknown>): string {
    return PLUGIN_DATA_PREFIX + seal(this.pluginKey(pluginId), value, tenantId);
  }
  openFor(pluginId: string, tenantId: string, sealed: string): Record<string, unknown> {
    if (typeof sealed !== 'string' || !sealed.startsWith(PLUGIN_DATA_PREFIX)) throw new Error('Not sealed data');
    return open(this.pluginKey(pluginId), Buffer.from(sealed.slice(PLUGIN_DATA_PREFIX.length), 'base64'), tenantId);
  }
  private pluginKey(pluginId: string): Buffer {
    let k = this.pluginKeys.get(pluginId);
    if (!k) {
      k = Buffer.from(crypto.hkdfSync('sha256', this.secret, 'atrium', `plugin-data:${pluginId}`, 32));
      this.pluginKeys.set(pluginId, k);
    }
    return k;
  }
}

function seal(key: Buffer, value: Record<string, unknown>, aad?: string): string {
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', key, iv);
  if (aad) c.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([c.update(JSON.stringify(value), 'utf8'), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
}

function open(key: Buffer, buf: Buffer, aad?: string): Record<string, unknown> {
  const d = crypto.createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
  if (aad) d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(buf.subarray(12, 28));
  return JSON.parse(Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString('utf8'));
}
