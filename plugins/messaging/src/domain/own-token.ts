import crypto from 'node:crypto';
import { ForbiddenError } from '@atrium/sdk';

/**
 * Internal actions that only this plugin's own code may call (storing verified inbound events,
 * claiming and settling a send): a plugin that allowlisted `messaging.*` still cannot store an
 * event no adapter verified or mark a message sent. The caller passes this per-process token; the
 * actions live in the same service as their callers, so the broker (preferLocal) keeps the call on
 * this node.
 */
const TOKEN = crypto.randomBytes(24).toString('hex');
const TOKEN_BYTES = Buffer.from(TOKEN);

export const ownToken = (): string => TOKEN;

export function assertOwn(token: unknown): void {
  const t = Buffer.from(String(token ?? ''));
  if (t.length !== TOKEN_BYTES.length || !crypto.timingSafeEqual(t, TOKEN_BYTES)) {
    throw new ForbiddenError('Only the messaging plugin itself may call this action', 'INTERNAL_ONLY');
  }
}
