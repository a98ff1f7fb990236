// The state of one bot in the fake Bot API: its chats and their message ids, the update queue
// (unconfirmed updates: what getUpdates answers and what the webhook delivers), files, rate buckets.
import crypto from 'node:crypto';
import type { TgInlineKeyboardButton, TgMessage, TgUpdate, TgUser } from '../telegram.client.ts';

export type FakeChat = { id: number; user: TgUser; nextMessageId: number; messages: TgMessage[]; blocked: boolean };
export type FakeFile = { fileId: string; uniqueId: string; path: string; data: Buffer; mimeType: string; name: string };
export type Webhook = { url: string; secret: string | null; allowed: string[]; maxConnections: number; lastError?: { at: number; message: string } };

/** A token bucket: `rate` per second, `burst` at once. */
class Bucket {
  private tokens: number;
  private at = Date.now();
  private readonly rate: number;
  private readonly burst: number;
  constructor(rate: number, burst: number) {
    this.rate = rate;
    this.burst = burst;
    this.tokens = burst;
  }
  /** Takes one token, or answers how many whole seconds until one is there. */
  take(): number {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.rate));
  }
}

export class FakeBot {
  readonly token: string;
  readonly user: TgUser;
  readonly chats = new Map<number, FakeChat>();
  /** Updates not yet confirmed (by a getUpdates offset or a 2xx webhook answer), oldest first. */
  readonly pending: TgUpdate[] = [];
  readonly files = new Map<string, FakeFile>();
  readonly callbackQueries = new Map<string, { answered: boolean; at: number }>();
  webhook: Webhook | null = null;
  nextUpdateId = 100_000 + Math.floor(Math.random() * 1000);
  /** Messages the bot sent, in order (what tests assert on). */
  readonly sent: TgMessage[] = [];
  private readonly global = new Bucket(30, 30);
  private readonly perChat = new Map<number, Bucket>();

  constructor(token: string, user: TgUser) {
    this.token = token;
    this.user = user;
  }

  chat(user: TgUser): FakeChat {
    let c = this.chats.get(user.id);
    if (!c) this.chats.set(user.id, (c = { id: user.id, user, nextMessageId: 1, messages: [], blocked: false }));
    return c;
  }

  /** Queues an update (the server delivers it to the webhook, or getUpdates returns it). */
  push(body: Omit<TgUpdate, 'update_id'>): TgUpdate {
    const u = { update_id: this.nextUpdateId++, ...body } as TgUpdate;
    this.pending.push(u);
    return u;
  }

  /** getUpdates' `offset`: every update before it is confirmed and forgotten. */
  confirm(offset: number): void {
    while (this.pending.length && this.pending[0]!.update_id < offset) this.pending.shift();
  }

  /** Telegram's limits: ~30 messages a second per bot, ~1 a second per chat (a short burst of 3). 0 = go. */
  throttle(chatId: number): number {
    let b = this.perChat.get(chatId);
    if (!b) this.perChat.set(chatId, (b = new Bucket(1, 3)));
    return Math.max(this.global.take(), b.take());
  }

  /** A message in a chat, from the person or from the bot. */
  message(chat: FakeChat, from: TgUser, fields: Partial<TgMessage>): TgMessage {
    const m: TgMessage = { message_id: chat.nextMessageId++, date: Math.floor(Date.now() / 1000), chat: { id: chat.id, type: 'private', first_name: chat.user.first_name, ...(chat.user.username ? { username: chat.user.username } : {}) }, from, ...fields };
    chat.messages.push(m);
    return m;
  }

  addFile(data: Buffer, mimeType: string, name: string, folder = 'documents'): FakeFile {
    const f: FakeFile = { fileId: `F${crypto.randomBytes(12).toString('base64url')}`, uniqueId: crypto.randomBytes(6).toString('hex'), path: `${folder}/file_${this.files.size}${name.includes('.') ? name.slice(name.lastIndexOf('.')) : ''}`, data, mimeType, name };
    this.files.set(f.fileId, f);
    return f;
  }

  findButton(m: TgMessage, data: string): TgInlineKeyboardButton | undefined {
    return m.reply_markup?.inline_keyboard.flat().find((b) => b.callback_data === data);
  }
}
