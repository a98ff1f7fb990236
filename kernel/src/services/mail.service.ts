import type { ServiceSchema } from 'moleculer';
import { Type } from 'typebox';
import type { KernelDeps } from '../kernel-deps.ts';
import { kernelActions } from './kernel-action.ts';

/** Per tenant and hour: a plugin bug or a compromised account must not turn the platform into a spam relay. */
const MAILS_PER_TENANT_PER_HOUR = 500;

/**
 * `mail.send` for plugins (receipts, invoices, reminders): the kernel's SMTP transport, called as
 * `ctx.call('mail.send', …)` by plugins that list it in `calls`. Internal: no REST route, so no
 * browser can send mail through it directly; every message is audited under the calling plugin.
 * Runs without a transaction (an SMTP server may be slow to answer).
 */
export function mailService(deps: () => KernelDeps): ServiceSchema {
  const d = deps;
  return {
    name: 'mail',
    actions: kernelActions('mail', {
      send: {
        permission: 'internal',
        mutates: true,
        // SMTP is an outside call: no connection is held while the server answers (the audit entry
        // is written after it, in a short transaction of its own). A caller that holds a
        // transaction of its own still holds it meanwhile — call mail.send from a handler without one.
        transaction: false,
        params: Type.Object({
          to: Type.String({ format: 'email', maxLength: 254 }),
          subject: Type.String({ minLength: 1, maxLength: 200 }),
          text: Type.String({ minLength: 1, maxLength: 100_000 }),
          html: Type.Optional(Type.String({ maxLength: 500_000 })),
          attachments: Type.Optional(Type.Array(Type.Object({
            filename: Type.String({ minLength: 1, maxLength: 200 }),
            contentType: Type.String({ minLength: 3, maxLength: 100 }),
            contentBase64: Type.String({ maxLength: 14_000_000 }),
          }, { additionalProperties: false }), { maxItems: 5 })),
        }, { additionalProperties: false }),
        async handler(ctx) {
          const tenantId = ctx.meta.tenantId!;
          await d().rateLimiter.hit(`mail:${tenantId}`, MAILS_PER_TENANT_PER_HOUR, 3600, 'Too many e-mails from this business this hour');
          const p = ctx.params;
          await d().mailer.send({
            to: p.to, subject: p.subject, text: p.text, ...(p.html ? { html: p.html } : {}),
            ...(p.attachments ? { attachments: p.attachments.map((a: any) => ({ filename: a.filename, contentType: a.contentType, content: Buffer.from(a.contentBase64, 'base64') })) } : {}),
          });
          ctx.locals.req?.audit.diff(null, { to: p.to, subject: p.subject, attachments: (p.attachments ?? []).map((a: any) => a.filename), plugin: ctx.meta.callerPlugin ?? null });
          return { sent: true };
        },
      },
    }),
  };
}
