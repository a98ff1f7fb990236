import { SMTPServer } from 'smtp-server';

export type CapturedMail = { from: string; to: string[]; raw: string };

/** A real SMTP server on 127.0.0.1 that keeps what it receives, for mail flow tests. */
export async function startSmtpCapture(): Promise<{ url: string; mails: CapturedMail[]; waitFor(to: string, timeoutMs?: number): Promise<CapturedMail>; stop(): Promise<void> }> {
  const mails: CapturedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, cb) {
      let raw = '';
      stream.on('data', (c) => (raw += c));
      stream.on('end', () => {
        mails.push({ from: String(session.envelope.mailFrom && (session.envelope.mailFrom as any).address), to: session.envelope.rcptTo.map((r) => r.address), raw });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as any).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    async waitFor(to, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const m = mails.find((x) => x.to.includes(to));
        if (m) return m;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`no mail to ${to}`);
    },
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Pulls a `token=` value out of a mail body: quoted-printable, or base64 (a text in Cyrillic is sent so). */
export function tokenFrom(raw: string): string {
  const unfolded = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  const base64 = unfolded.split(/\r?\n\r?\n/).filter((b) => /^[A-Za-z0-9+/=\r\n]+$/.test(b.trim())).map((b) => Buffer.from(b, 'base64').toString('utf8')).join('\n');
  const m = /token=([A-Za-z0-9_-]{20,})/.exec(unfolded) ?? /token=([A-Za-z0-9_-]{20,})/.exec(base64);
  if (!m) throw new Error('no token in mail');
  return m[1];
}
