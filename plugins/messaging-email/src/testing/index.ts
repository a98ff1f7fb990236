export { startDovecot, type Dovecot } from './dovecot.ts';
export { startSmtpServer, type ReceivedMail } from './smtp-server.ts';
