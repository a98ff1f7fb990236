import { ForbiddenError } from '@atrium/sdk';

/**
 * Which mail servers a tenant's account may point at. SMTP and IMAP are not HTTP, so the platform's
 * outbound allowlist (ctx.fetch) does not cover them; without a list of its own, a tenant could make
 * the server open connections to any host and port (internal ones included). The operator lists
 * hosts in `ATRIUM_EMAIL_ALLOWED_HOSTS` (comma/space separated; `host`, `host:port`, or `*.domain`),
 * read on every use; without it, the public mail providers below.
 */
export const DEFAULT_MAIL_HOSTS = [
  'smtp.gmail.com', 'imap.gmail.com', 'smtp.office365.com', 'outlook.office365.com', 'smtp.mail.ru', 'imap.mail.ru', 'smtp.yandex.ru', 'imap.yandex.ru',
  'smtp.yandex.com', 'imap.yandex.com', 'smtp.ukr.net', 'imap.ukr.net', 'smtp.zoho.com', 'imap.zoho.com', 'smtp.fastmail.com', 'imap.fastmail.com',
];

export function allowedMailHosts(): string[] {
  const env = process.env.ATRIUM_EMAIL_ALLOWED_HOSTS;
  return env ? env.split(/[\s,]+/).filter(Boolean).map((h) => h.toLowerCase()) : DEFAULT_MAIL_HOSTS;
}

/** Throws 403 MAIL_HOST_NOT_ALLOWED unless host (and port) are on the operator's list. */
export function checkMailHost(field: string, host: string, port: number): void {
  const h = host.toLowerCase();
  const ok = allowedMailHosts().some((a) => {
    const [name, p] = a.split(':');
    if (p && Number(p) !== port) return false;
    return name === h || (name!.startsWith('*.') && h.endsWith(name!.slice(1)));
  });
  if (!ok) throw new ForbiddenError(`${host}:${port} is not a mail server this platform allows (the operator lists them in ATRIUM_EMAIL_ALLOWED_HOSTS)`, 'MAIL_HOST_NOT_ALLOWED', { field, host, port });
}
