import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The platform secret (JWT signing, role passwords, settings encryption). Distributed nodes must
 * be given one (ATRIUM_JWT_SECRET); the embedded profile makes one on first start and keeps it. */
export function platformSecret(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'secret.key');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = crypto.randomBytes(48).toString('base64url');
  fs.writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}
