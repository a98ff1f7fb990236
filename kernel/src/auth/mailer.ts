import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';

export type Mail = { to: string; subject: string; text: string; html?: string; attachments?: { filename: string; contentType: string; content: Buffer }[] };

/** Sends mail over real SMTP (nodemailer). Without an SMTP URL (embedded default) mails are
 * written to the log so an operator can still follow a reset link — said loudly, not hidden. */
export class Mailer {
  private readonly transport: Transporter | null;
  private readonly from: string;
  private readonly logger: Logger;
  constructor(smtpUrl: string | undefined, from: string, logger: Logger) {
    this.transport = smtpUrl ? nodemailer.createTransport(smtpUrl) : null;
    this.from = from;
    this.logger = logger;
  }
  /** Whether mail really leaves (an SMTP URL is set); else it only reaches the log, and the admin shows links to pass on by hand. */
  get configured(): boolean {
    return this.transport !== null;
  }
  async send(mail: Mail): Promise<void> {
    if (!this.transport) {
      this.logger.warn({ to: mail.to, subject: mail.subject, text: mail.text, attachments: mail.attachments?.map((a) => a.filename) }, 'SMTP is not configured (ATRIUM_SMTP_URL): mail written to the log instead of sent');
      return;
    }
    await this.transport.sendMail({ from: this.from, ...mail });
  }
}
