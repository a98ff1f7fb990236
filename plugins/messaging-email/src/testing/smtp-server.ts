// A real SMTP server on 127.0.0.1 that requires a login (AUTH PLAIN/LOGIN, as mail providers do)
// and keeps what it receives — the SDK's startSmtpCapture takes mail without a login.
import { SMTPServer } from 'smtp-server';

export type ReceivedMail = { from: string; to: string[]; raw: string; user: string };

export async function startSmtpServer(users: { user: string; password: string }[]): Promise<{ port: number; mails: ReceivedMail[]; waitFor(to: string, timeoutMs?: number): Promise<ReceivedMail>; stop(): Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    // a client's pooled connection stays open: closing waits this long for it, not 30 s
    closeTimeout: 200,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, cb) {
      const ok = users.some((u) => u.user === auth.username && u.password === auth.password);
      if (!ok) return cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      cb(null, { user: auth.username });
    },
    onData(stream, session, cb) {
      let raw = '';
      stream.on('data', (c) => (raw += c));
      stream.on('end', () => {
        mails.push({ from: String((session.envelope.mailFrom as any)?.address ?? ''), to: session.envelope.rcptTo.map((r) => r.address), raw, user: String(session.user ?? '') });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.server.address() as any).port,
    mails,
    async waitFor(to, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = mails.find((x) => x.to.includes(to));
        if (m) return m;
        if (Date.now() > deadline) throw new Error(`no mail to ${to}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
