// A local Telegram Bot API: `POST|GET /bot<token>/<method>` (JSON, form or multipart) and
// `GET /file/bot<token>/<path>`, with Telegram's answer shapes (`{ ok, result }`, `{ ok: false,
// error_code, description, parameters }`), its conflicts (getUpdates while a webhook is set, two
// pollers at once), its limits (429 with retry_after: ~30 messages/s per bot, ~1/s per chat; text
// 4096, caption 1024, callback_data 64 bytes), webhook delivery with `X-Telegram-Bot-Api-Secret-Token`
// and redelivery until a 2xx, long polling with offsets, blocked users, callback queries and files.
// Test-only "person" methods stand in for the Telegram app: a person writes, presses a button, blocks.
// The HTTP lifecycle and transport faults (latency, hangs, lost answers, outages) are the SDK's FakeHttpServer.
import crypto from 'node:crypto';
import { FakeHttpServer, jsonReply, type FakeReply, type FakeRequest } from '@atrium/sdk/testing';
import type { TgMessage, TgUpdate, TgUser } from '../telegram.client.ts';
import { FakeBot, type FakeChat } from './fake-telegram.bot.ts';

type Reply = { status: number; body: unknown };
type Params = Record<string, any>;
const ok = (result: unknown): Reply => ({ status: 200, body: { ok: true, result } });
const fail = (code: number, description: string, parameters?: Record<string, unknown>): Reply => ({ status: code, body: { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) } });
const SECRET_TOKEN = /^[A-Za-z0-9_-]{1,256}$/;
const FILE_METHODS: Record<string, string> = { sendPhoto: 'photo', sendDocument: 'document', sendVideo: 'video', sendAudio: 'audio', sendVoice: 'voice' };

export type DeliveryResult = { updateId: number; status: number | null; error: 'timeout' | 'network' | null };
export type FakeTelegramOptions = { latencyMs?: number; enforceLimits?: boolean; autoDeliver?: boolean; redeliverMs?: number };

export class FakeTelegram extends FakeHttpServer {
  readonly bots = new Map<string, FakeBot>();
  /** Every API call received: method, token, params (files as their names). */
  readonly calls: { method: string; token: string; params: Params; at: number }[] = [];
  readonly deliveries: (DeliveryResult & { url: string })[] = [];
  /** Telegram's rate limits answer 429; turn off for load tests that measure the platform, not the pacing. */
  enforceLimits: boolean;
  /** Push updates to a set webhook as they happen (Telegram does); off: only `deliverPending()`. */
  autoDeliver: boolean;
  private readonly redeliverMs: number;
  private forced: { remaining: number; reply: Reply; methods: string[] | null } = { remaining: 0, reply: ok(true), methods: null };
  private readonly pollers = new Map<string, { resolve: (r: Reply) => void; timer: NodeJS.Timeout }>();
  private delivering = new Map<string, Promise<void>>();
  private redeliverTimer: NodeJS.Timeout | null = null;

  constructor(o: FakeTelegramOptions = {}) {
    super();
    this.latencyMs = o.latencyMs ?? 0;
    this.enforceLimits = o.enforceLimits ?? true;
    this.autoDeliver = o.autoDeliver ?? true;
    this.redeliverMs = o.redeliverMs ?? 500;
  }

  static start(o?: FakeTelegramOptions): Promise<FakeTelegram> {
    return new FakeTelegram(o).listen();
  }

  override async close(): Promise<void> {
    if (this.redeliverTimer) clearTimeout(this.redeliverTimer);
    for (const p of this.pollers.values()) clearTimeout(p.timer);
    await super.close();
  }

  createBot(o: { username?: string; token?: string } = {}): FakeBot {
    const id = 1_000_000 + this.bots.size * 7919 + Math.floor(Math.random() * 1000);
    const token = o.token ?? `${id}:${crypto.randomBytes(24).toString('base64url').slice(0, 35)}`;
    const bot = new FakeBot(token, { id, is_bot: true, first_name: o.username ?? `Bot ${this.bots.size + 1}`, username: o.username ?? `atrium_test_${this.bots.size + 1}_bot` });
    this.bots.set(token, bot);
    return bot;
  }

  /** The next `n` API calls (of `methods`, or any) answer a Bot API error without effect (a 429, a 5xx). */
  apiErrorNext(n: number, reply: { status: number; description: string; retryAfter?: number }, methods: string[] | null = null): void {
    this.forced = { remaining: n, reply: fail(reply.status, reply.description, reply.retryAfter ? { retry_after: reply.retryAfter } : undefined), methods };
  }

  /** The next `n` sendMessage calls answer 429 Too Many Requests with `retry_after` seconds. */
  rateLimitNext(n: number, retryAfter: number): void {
    this.apiErrorNext(n, { status: 429, description: `Too Many Requests: retry after ${retryAfter}`, retryAfter }, ['sendMessage']);
  }

  // ---- the person's side (the Telegram app) --------------------------------------------------

  user(o: { id?: number; first_name?: string; last_name?: string; username?: string; language_code?: string } = {}): TgUser {
    return { id: o.id ?? 500_000_000 + Math.floor(Math.random() * 1e8), is_bot: false, first_name: o.first_name ?? 'Aigerim', ...(o.last_name ? { last_name: o.last_name } : {}), ...(o.username ? { username: o.username } : {}), language_code: o.language_code ?? 'ru' };
  }

  /** A person writes to the bot (text, or a photo with a caption). Answers the update. */
  userSends(bot: FakeBot, user: TgUser, o: { text?: string; photo?: { data: Buffer; caption?: string }; replyTo?: number }): TgUpdate {
    const chat = bot.chat(user);
    const fields: Partial<TgMessage> = {};
    if (o.text !== undefined) fields.text = o.text;
    if (o.photo) {
      const f = bot.addFile(o.photo.data, 'image/jpeg', 'photo.jpg', 'photos');
      fields.photo = [{ file_id: f.fileId, file_unique_id: f.uniqueId, width: 90, height: 90, file_size: o.photo.data.length }];
      if (o.photo.caption) fields.caption = o.photo.caption;
    }
    if (o.replyTo) fields.reply_to_message = chat.messages.find((m) => m.message_id === o.replyTo);
    const m = bot.message(chat, user, fields);
    return this.emit(bot, { message: m });
  }

  /** A person presses an inline button under one of the bot's messages. */
  userPresses(bot: FakeBot, user: TgUser, messageId: number, data: string): TgUpdate {
    const chat = bot.chat(user);
    const message = chat.messages.find((m) => m.message_id === messageId);
    if (!message || !bot.findButton(message, data)) throw new Error(`no button "${data}" under message ${messageId}`);
    const id = crypto.randomBytes(8).toString('hex');
    bot.callbackQueries.set(id, { answered: false, at: Date.now() });
    return this.emit(bot, { callback_query: { id, from: user, message, data, chat_instance: String(chat.id) } });
  }

  /** A person blocks (or unblocks) the bot: sends fail with 403, Telegram tells the bot. */
  userBlocks(bot: FakeBot, user: TgUser, blocked = true): TgUpdate {
    const chat = bot.chat(user);
    chat.blocked = blocked;
    const [from, to] = blocked ? ['member', 'kicked'] : ['kicked', 'member'];
    return this.emit(bot, { my_chat_member: { chat: { id: chat.id, type: 'private', first_name: user.first_name }, from: user, date: Math.floor(Date.now() / 1000), old_chat_member: { status: from, user: bot.user }, new_chat_member: { status: to, user: bot.user } } });
  }

  private emit(bot: FakeBot, body: Omit<TgUpdate, 'update_id'>): TgUpdate {
    const u = bot.push(body);
    this.wakePoller(bot);
    if (bot.webhook && this.autoDeliver) void this.deliverPending(bot);
    return u;
  }

  // ---- webhook delivery --------------------------------------------------------------------

  /**
   * Delivers the bot's pending updates to its webhook in order, one at a time; a 2xx confirms an
   * update, anything else keeps it pending and it is delivered again after a while (as Telegram does).
   */
  deliverPending(bot: FakeBot): Promise<void> {
    const prev = this.delivering.get(bot.token) ?? Promise.resolve();
    const next = prev.then(async () => {
      while (bot.webhook && bot.pending.length) {
        const u = bot.pending[0]!;
        const r = await this.post(bot.webhook.url, u, bot.webhook.secret);
        if (r.status !== null && r.status >= 200 && r.status < 300) {
          if (bot.pending[0] === u) bot.pending.shift();
          continue;
        }
        bot.webhook.lastError = { at: Date.now(), message: r.error ?? `Wrong response from the webhook: ${r.status}` };
        this.scheduleRedelivery(bot);
        return;
      }
    });
    this.delivering.set(bot.token, next.catch(() => {}));
    return next;
  }

  /**
   * Sends one update the way a test wants it: `times` copies (concurrently or not), with the right
   * secret, a wrong one, or none. Nothing is confirmed: it is a raw delivery.
   */
  async deliver(bot: FakeBot, update: TgUpdate, o: { times?: number; concurrent?: boolean; secret?: 'valid' | 'wrong' | 'missing'; url?: string } = {}): Promise<DeliveryResult[]> {
    const url = o.url ?? bot.webhook?.url;
    if (!url) throw new Error('the bot has no webhook');
    const secret = o.secret === 'missing' ? null : o.secret === 'wrong' ? 'not-the-secret' : bot.webhook?.secret ?? null;
    const one = () => this.post(url, update, secret);
    const n = o.times ?? 1;
    if (o.concurrent) return Promise.all(Array.from({ length: n }, one));
    const out: DeliveryResult[] = [];
    for (let i = 0; i < n; i++) out.push(await one());
    return out;
  }

  private async post(url: string, update: TgUpdate, secret: string | null): Promise<DeliveryResult> {
    const res = await this.send(url, { headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) }, body: JSON.stringify(update), timeoutMs: 10_000 });
    const r: DeliveryResult = { updateId: update.update_id, status: res.status, error: res.error };
    this.deliveries.push({ ...r, url });
    return r;
  }

  private scheduleRedelivery(bot: FakeBot): void {
    if (this.redeliverTimer) return;
    this.redeliverTimer = setTimeout(() => {
      this.redeliverTimer = null;
      if (bot.webhook) void this.deliverPending(bot);
    }, this.redeliverMs);
    this.redeliverTimer.unref();
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  protected async handle(req: FakeRequest): Promise<FakeReply> {
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(req.path);
    if (file && req.method === 'GET') return this.serveFile(file[1]!, decodeURIComponent(file[2]!));
    const m = /^\/bot([^/]*)\/([A-Za-z]+)$/.exec(req.path);
    const reply = m ? await this.method(m[1]!, m[2]!, await this.params(req)) : fail(404, 'Not Found');
    return jsonReply(reply.status, reply.body);
  }

  private serveFile(token: string, path: string): FakeReply {
    const bot = this.bots.get(token);
    const f = bot && [...bot.files.values()].find((x) => x.path === path);
    if (!f) return jsonReply(404, { ok: false, error_code: 404, description: 'Not Found' });
    return { status: 200, headers: { 'content-type': f.mimeType }, body: f.data };
  }

  private async params(req: FakeRequest): Promise<Params> {
    const out: Params = Object.fromEntries(req.query);
    const type = String(req.headers['content-type'] ?? '');
    if (type.startsWith('application/json') && req.body.length) Object.assign(out, JSON.parse(req.text));
    else if (type.startsWith('application/x-www-form-urlencoded')) Object.assign(out, Object.fromEntries(new URLSearchParams(req.text)));
    else if (type.startsWith('multipart/form-data')) {
      const form = await new Response(new Uint8Array(req.body), { headers: { 'content-type': type } }).formData();
      for (const [k, v] of form as unknown as Iterable<[string, FormDataEntryValue]>) out[k] = typeof v === 'string' ? v : { name: (v as File).name, type: (v as File).type, data: Buffer.from(await (v as File).arrayBuffer()) };
    }
    // form and multipart values are text: JSON-serialized objects come as strings
    for (const k of ['reply_markup', 'reply_parameters', 'allowed_updates']) if (typeof out[k] === 'string') out[k] = JSON.parse(out[k]);
    return out;
  }

  private async method(token: string, method: string, p: Params): Promise<Reply> {
    if (!/^\d+:[A-Za-z0-9_-]+$/.test(token)) return fail(404, 'Not Found');
    const bot = this.bots.get(token);
    if (!bot) return fail(401, 'Unauthorized');
    this.calls.push({ method, token, params: Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v && typeof v === 'object' && 'data' in v ? `<file ${v.name}>` : v])), at: Date.now() });
    if (this.forced.remaining > 0 && (!this.forced.methods || this.forced.methods.includes(method))) {
      this.forced.remaining--;
      return this.forced.reply;
    }
    switch (method) {
      case 'getMe': return ok(bot.user);
      case 'setWebhook': return this.setWebhook(bot, p);
      case 'deleteWebhook':
        bot.webhook = null;
        if (p.drop_pending_updates === true || p.drop_pending_updates === 'true') bot.pending.length = 0;
        return ok(true);
      case 'getWebhookInfo':
        return ok({ url: bot.webhook?.url ?? '', has_custom_certificate: false, pending_update_count: bot.pending.length, ...(bot.webhook?.lastError ? { last_error_date: Math.floor(bot.webhook.lastError.at / 1000), last_error_message: bot.webhook.lastError.message } : {}) });
      case 'getUpdates': return this.getUpdates(bot, p);
      case 'sendMessage': return this.sendMessage(bot, p);
      case 'answerCallbackQuery': {
        const q = bot.callbackQueries.get(String(p.callback_query_id));
        if (!q || q.answered || Date.now() - q.at > 15 * 60_000) return fail(400, 'Bad Request: query is too old and response timeout expired or query ID is invalid');
        q.answered = true;
        return ok(true);
      }
      case 'getFile': {
        const f = bot.files.get(String(p.file_id));
        if (!f) return fail(400, 'Bad Request: invalid file_id');
        return ok({ file_id: f.fileId, file_unique_id: f.uniqueId, file_size: f.data.length, file_path: f.path });
      }
      default:
        if (FILE_METHODS[method]) return this.sendFile(bot, method, p);
        return fail(404, 'Not Found');
    }
  }

  private setWebhook(bot: FakeBot, p: Params): Reply {
    const url = String(p.url ?? '');
    if (!url) {
      bot.webhook = null;
      return ok(true);
    }
    if (!/^https?:\/\//.test(url)) return fail(400, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook');
    if (p.secret_token !== undefined && !SECRET_TOKEN.test(String(p.secret_token))) return fail(400, 'Bad Request: secret token contains unallowed characters');
    bot.webhook = { url, secret: p.secret_token ? String(p.secret_token) : null, allowed: Array.isArray(p.allowed_updates) ? p.allowed_updates : [], maxConnections: Number(p.max_connections ?? 40) };
    // a poller waiting now is told it conflicts, as Telegram does
    this.pollers.get(bot.token)?.resolve(fail(409, 'Conflict: terminated by setWebhook request'));
    if (this.autoDeliver && bot.pending.length) void this.deliverPending(bot);
    return ok(true);
  }

  private getUpdates(bot: FakeBot, p: Params): Promise<Reply> | Reply {
    if (bot.webhook) return fail(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    if (p.offset !== undefined) bot.confirm(Number(p.offset));
    const limit = Math.min(100, Math.max(1, Number(p.limit ?? 100)));
    const ready = () => bot.pending.slice(0, limit);
    const earlier = this.pollers.get(bot.token);
    if (earlier) earlier.resolve(fail(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running'));
    const timeout = Math.min(50, Math.max(0, Number(p.timeout ?? 0)));
    if (ready().length || !timeout) return ok(ready());
    return new Promise<Reply>((resolve) => {
      const entry = {
        resolve: (r: Reply) => {
          clearTimeout(entry.timer);
          if (this.pollers.get(bot.token) === entry) this.pollers.delete(bot.token);
          resolve(r);
        },
        timer: setTimeout(() => entry.resolve(ok(ready())), timeout * 1000),
      };
      this.pollers.set(bot.token, entry);
    });
  }

  private wakePoller(bot: FakeBot): void {
    const p = this.pollers.get(bot.token);
    if (p) p.resolve(ok(bot.pending.slice(0, 100)));
  }

  private target(bot: FakeBot, p: Params): FakeChat | Reply {
    const chat = bot.chats.get(Number(p.chat_id));
    if (!chat) return fail(400, 'Bad Request: chat not found');
    if (chat.blocked) return fail(403, 'Forbidden: bot was blocked by the user');
    if (this.enforceLimits) {
      const wait = bot.throttle(chat.id);
      if (wait) return fail(429, `Too Many Requests: retry after ${wait}`, { retry_after: wait });
    }
    return chat;
  }

  private checkMarkup(p: Params): Reply | null {
    for (const b of p.reply_markup?.inline_keyboard?.flat() ?? []) {
      if (!b.text) return fail(400, 'Bad Request: text buttons are unallowed in the inline keyboard');
      if (b.callback_data !== undefined && (Buffer.byteLength(String(b.callback_data)) > 64 || !String(b.callback_data).length)) return fail(400, 'Bad Request: BUTTON_DATA_INVALID');
    }
    return null;
  }

  private replyTo(chat: FakeChat, p: Params): TgMessage | undefined {
    const id = p.reply_parameters?.message_id;
    return id ? chat.messages.find((m) => m.message_id === Number(id)) : undefined;
  }

  private sendMessage(bot: FakeBot, p: Params): Reply {
    const text = String(p.text ?? '');
    if (!text.trim()) return fail(400, 'Bad Request: message text is empty');
    if (text.length > 4096) return fail(400, 'Bad Request: message is too long');
    const bad = this.checkMarkup(p);
    if (bad) return bad;
    const chat = this.target(bot, p);
    if ('status' in chat) return chat;
    const reply = this.replyTo(chat, p);
    const m = bot.message(chat, bot.user, { text, ...(p.reply_markup ? { reply_markup: p.reply_markup } : {}), ...(reply ? { reply_to_message: reply } : {}) });
    bot.sent.push(m);
    return ok(m);
  }

  private sendFile(bot: FakeBot, method: string, p: Params): Reply {
    const field = FILE_METHODS[method]!;
    const file = p[field];
    if (!file || typeof file !== 'object' || !Buffer.isBuffer(file.data)) return fail(400, `Bad Request: there is no ${field} in the request`);
    if (p.caption && String(p.caption).length > 1024) return fail(400, 'Bad Request: message caption is too long');
    const bad = this.checkMarkup(p);
    if (bad) return bad;
    const chat = this.target(bot, p);
    if ('status' in chat) return chat;
    const f = bot.addFile(file.data, file.type || 'application/octet-stream', file.name || field);
    const media = field === 'photo'
      ? { photo: [{ file_id: f.fileId, file_unique_id: f.uniqueId, width: 100, height: 100, file_size: f.data.length }] }
      : { [field]: { file_id: f.fileId, file_unique_id: f.uniqueId, file_name: f.name, mime_type: f.mimeType, file_size: f.data.length } };
    const m = bot.message(chat, bot.user, { ...media, ...(p.caption ? { caption: String(p.caption) } : {}), ...(p.reply_markup ? { reply_markup: p.reply_markup } : {}) });
    bot.sent.push(m);
    return ok(m);
  }
}
