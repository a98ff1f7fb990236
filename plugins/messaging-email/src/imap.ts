// IMAP in: one connection per account, kept open between polls (IDLE waits for new mail), the
// account's cursor `<uid validity>:<last uid>`, each new message fetched raw and parsed.
import crypto from 'node:crypto';
import { ImapFlow } from 'imapflow';
import type { InboundEvent, PollResult } from '@atrium/sdk/messaging';
import { checkMailHost } from './mail-hosts.ts';
import { attachmentOf, parseMail } from './mail-parse.ts';

export type ImapSettings = { host: string; port: number; secure: boolean; user: string; password: string; mailbox: string; rejectUnauthorized: boolean };

type Held = { client: ImapFlow; key: string; mailbox: string; uidValidity: string; lastUsed: number; news: (() => void) | null };
const held = new Map<string, Held>();
/** A connection not polled for this long is closed (its account stopped polling here). */
const IDLE_CLOSE_MS = 120_000;
/** Messages taken per poll: the cursor moves by at most this many. */
const BATCH = 50;

const keyOf = (s: ImapSettings) => crypto.createHash('sha256').update(JSON.stringify(s)).digest('hex');

setInterval(() => {
  for (const [id, h] of held) if (Date.now() - h.lastUsed > IDLE_CLOSE_MS) void close(id);
}, 30_000).unref();

async function close(accountId: string): Promise<void> {
  const h = held.get(accountId);
  held.delete(accountId);
  await h?.client.logout().catch(() => h?.client.close());
}

/** The account's connection, opened (and the mailbox selected) when there is none or its settings changed. */
async function connection(accountId: string, s: ImapSettings): Promise<Held> {
  const key = keyOf(s);
  const h = held.get(accountId);
  if (h && h.key === key && h.client.usable) {
    h.lastUsed = Date.now();
    return h;
  }
  if (h) await close(accountId);
  checkMailHost('config.imapHost', s.host, s.port);
  const client = new ImapFlow({ host: s.host, port: s.port, secure: s.secure, auth: { user: s.user, pass: s.password }, logger: false, tls: { rejectUnauthorized: s.rejectUnauthorized }, connectionTimeout: 15_000, greetingTimeout: 15_000 });
  client.on('error', () => {});
  await client.connect();
  const box = await client.mailboxOpen(s.mailbox);
  const fresh: Held = { client, key, mailbox: s.mailbox, uidValidity: String(box.uidValidity), lastUsed: Date.now(), news: null };
  // new mail while idling wakes the poll that waits
  client.on('exists', () => fresh.news?.());
  client.on('close', () => {
    if (held.get(accountId) === fresh) held.delete(accountId);
  });
  held.set(accountId, fresh);
  return fresh;
}

/** Checks that the server accepts the login and the mailbox exists (connect, test connection). */
export async function checkImap(accountId: string, s: ImapSettings): Promise<{ uidValidity: string; uidNext: number }> {
  await close(accountId);
  const h = await connection(accountId, s);
  const st = await h.client.status(s.mailbox, { uidNext: true });
  return { uidValidity: h.uidValidity, uidNext: (st && st.uidNext) || 1 };
}

/**
 * New messages after the cursor, waiting up to `waitMs` (IDLE) when there are none. A first poll
 * (no cursor) starts at the mailbox's current end: connecting an account does not import its past.
 * A changed UIDVALIDITY (the mailbox was rebuilt) starts again at the end.
 */
export async function pollImap(accountId: string, s: ImapSettings, cursor: string | null, waitMs: number): Promise<PollResult> {
  let h = await connection(accountId, s);
  const [validity, last] = (cursor ?? '').split(':');
  if (!cursor || validity !== h.uidValidity) {
    const st = await h.client.status(s.mailbox, { uidNext: true });
    return { events: [], cursor: `${h.uidValidity}:${Math.max(0, ((st && st.uidNext) || 1) - 1)}` };
  }
  let from = Number(last) + 1;
  let found = await newUids(h, from);
  if (!found.length && waitMs > 0) {
    // IDLE: the server tells of new mail at once (EXISTS); the next command (the search below) ends it
    const news = new Promise<void>((resolve) => {
      const t = setTimeout(resolve, waitMs);
      h.news = () => {
        clearTimeout(t);
        resolve();
      };
    });
    void h.client.idle().catch(() => {});
    await news;
    h.news = null;
    h = await connection(accountId, s);
    found = await newUids(h, from);
  }
  const take = found.slice(0, BATCH);
  const events: InboundEvent[] = [];
  for (const uid of take) {
    const msg = await h.client.fetchOne(String(uid), { source: true }, { uid: true });
    if (!msg || !msg.source) continue;
    const ev = await parseMail(msg.source, `${h.uidValidity}:${uid}`);
    if (ev) events.push(ev);
  }
  if (take.length) from = take[take.length - 1]! + 1;
  return { events, cursor: `${h.uidValidity}:${from - 1}` };
}

async function newUids(h: Held, from: number): Promise<number[]> {
  // a selected mailbox learns of messages delivered meanwhile from the server's next answer: NOOP first
  await h.client.noop();
  // `from:*` always answers the last message, even when it is older than `from`: filter
  const uids = await h.client.search({ uid: `${from}:*` }, { uid: true });
  return (uids || []).filter((u) => u >= from).sort((a, b) => a - b);
}

/** Attachment `<validity>:<uid>:<index>` of a message still in the mailbox. */
export async function imapAttachment(accountId: string, s: ImapSettings, ref: string) {
  const [validity, uid, index] = ref.split(':');
  const h = await connection(accountId, s);
  if (validity !== h.uidValidity) return null;
  const msg = await h.client.fetchOne(String(uid), { source: true }, { uid: true });
  return msg && msg.source ? attachmentOf(msg.source, Number(index)) : null;
}

/** Drops the account's connection (disconnect, or settings changed). */
export const closeImap = close;
