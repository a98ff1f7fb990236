// A small Telegram Bot API client over fetch: `POST <base>/bot<token>/<method>` with a JSON body (or
// multipart for files), answers `{ ok, result }` or `{ ok: false, error_code, description,
// parameters: { retry_after?, migrate_to_chat_id? } }`. Errors are typed so the adapter can tell a
// provider's refusal from an outage, and an outage that may have sent the message from one that did not.

export type TgUser = { id: number; is_bot: boolean; first_name: string; last_name?: string; username?: string; language_code?: string };
export type TgChat = { id: number; type: 'private' | 'group' | 'supergroup' | 'channel'; title?: string; username?: string; first_name?: string; last_name?: string };
export type TgPhotoSize = { file_id: string; file_unique_id: string; width: number; height: number; file_size?: number };
export type TgFile = { file_id: string; file_unique_id: string; file_size?: number; file_path?: string; file_name?: string; mime_type?: string };
export type TgInlineKeyboardButton = { text: string; callback_data?: string; url?: string };
export type TgMessage = {
  message_id: number;
  date: number;
  chat: TgChat;
  from?: TgUser;
  text?: string;
  caption?: string;
  photo?: TgPhotoSize[];
  document?: TgFile;
  video?: TgFile;
  audio?: TgFile;
  voice?: TgFile;
  sticker?: TgFile & { emoji?: string };
  location?: { latitude: number; longitude: number };
  contact?: { phone_number: string; first_name: string; last_name?: string; user_id?: number };
  reply_to_message?: TgMessage;
  reply_markup?: { inline_keyboard: TgInlineKeyboardButton[][] };
};
export type TgCallbackQuery = { id: string; from: TgUser; message?: TgMessage; data?: string; chat_instance: string };
export type TgChatMemberUpdated = { chat: TgChat; from: TgUser; date: number; old_chat_member: { status: string; user: TgUser }; new_chat_member: { status: string; user: TgUser } };
export type TgUpdate = {
  update_id: number;
  message?: TgMessage;
  edited_message?: TgMessage;
  callback_query?: TgCallbackQuery;
  my_chat_member?: TgChatMemberUpdated;
};
export type TgWebhookInfo = { url: string; has_custom_certificate: boolean; pending_update_count: number; last_error_date?: number; last_error_message?: string; allowed_updates?: string[] };

/** Telegram answered `ok: false`. */
export class TelegramApiError extends Error {
  readonly status: number;
  readonly errorCode: number;
  readonly description: string;
  readonly retryAfter: number | null;
  constructor(status: number, body: { error_code?: number; description?: string; parameters?: { retry_after?: number } }) {
    super(`Telegram ${body.error_code ?? status}: ${body.description ?? 'error'}`);
    this.name = 'TelegramApiError';
    this.status = status;
    this.errorCode = body.error_code ?? status;
    this.description = body.description ?? '';
    this.retryAfter = body.parameters?.retry_after ?? null;
  }
}

/**
 * Telegram could not be reached, or answered something that is not the Bot API. `sent` tells
 * whether the request may have been carried out: false when the connection was refused or an HTTP
 * error came back without `ok`, null (unknown) after a timeout or a connection cut mid-request.
 */
export class TelegramNetworkError extends Error {
  readonly sent: false | null;
  constructor(message: string, sent: false | null) {
    super(message);
    this.name = 'TelegramNetworkError';
    this.sent = sent;
  }
}

export type TelegramClientOptions = {
  token: string;
  baseUrl?: string;
  /** The fetch to use (the plugin's allowlisted outbound fetch). */
  fetch?: typeof globalThis.fetch;
  timeoutMs?: number;
};

export const TELEGRAM_API = 'https://api.telegram.org';

const REFUSED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_INVALID_URL']);

/** Whether a fetch failure happened before the request could have reached the server. */
function notSent(e: unknown): boolean {
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (e as { code?: string })?.code;
  // fetch refuses some URLs itself ("bad port"): nothing left the machine
  return (!!code && REFUSED.has(code)) || cause?.message === 'bad port';
}

export class TelegramClient {
  readonly baseUrl: string;
  private readonly token: string;
  private readonly fetch: typeof globalThis.fetch;
  private readonly timeoutMs: number;

  constructor(o: TelegramClientOptions) {
    this.token = o.token;
    this.baseUrl = (o.baseUrl ?? TELEGRAM_API).replace(/\/+$/, '');
    this.fetch = o.fetch ?? globalThis.fetch;
    this.timeoutMs = o.timeoutMs ?? 15_000;
  }

  /** Calls a method with a JSON body (or a multipart form when `form` is given). */
  async call<T>(method: string, params: Record<string, unknown> = {}, o: { form?: FormData; timeoutMs?: number } = {}): Promise<T> {
    const url = `${this.baseUrl}/bot${this.token}/${method}`;
    let res: Response;
    try {
      res = await this.fetch(url, {
        method: 'POST',
        ...(o.form ? { body: o.form } : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) }),
        signal: AbortSignal.timeout(o.timeoutMs ?? this.timeoutMs),
      });
    } catch (e) {
      // the platform's refusals (a base URL the operator does not allow, the tenant's outbound limit) pass as they are
      if (typeof (e as { type?: unknown })?.type === 'string') throw e;
      // the token is in the URL: never put the URL in a message
      throw new TelegramNetworkError(`Telegram ${method}: ${(e as Error)?.name === 'TimeoutError' ? 'no answer in time' : (e as Error)?.message ?? 'network error'}`, notSent(e) ? false : null);
    }
    let body: any;
    try {
      body = await res.json();
    } catch {
      throw new TelegramNetworkError(`Telegram ${method}: HTTP ${res.status} without a Bot API answer`, res.status >= 500 ? false : null);
    }
    if (!body || typeof body !== 'object' || typeof body.ok !== 'boolean') throw new TelegramNetworkError(`Telegram ${method}: not a Bot API answer`, null);
    if (!body.ok) throw new TelegramApiError(res.status, body);
    return body.result as T;
  }

  getMe() {
    return this.call<TgUser>('getMe');
  }
  setWebhook(p: { url: string; secret_token: string; allowed_updates?: string[]; max_connections?: number; drop_pending_updates?: boolean }) {
    return this.call<true>('setWebhook', p);
  }
  deleteWebhook(dropPending = false) {
    return this.call<true>('deleteWebhook', { drop_pending_updates: dropPending });
  }
  getWebhookInfo() {
    return this.call<TgWebhookInfo>('getWebhookInfo');
  }
  /** Long polling: waits up to `timeout` seconds for updates after `offset` (which confirms the earlier ones). */
  getUpdates(p: { offset?: number; timeout?: number; limit?: number; allowed_updates?: string[] }) {
    return this.call<TgUpdate[]>('getUpdates', p, { timeoutMs: (p.timeout ?? 0) * 1000 + this.timeoutMs });
  }
  sendMessage(p: { chat_id: number | string; text: string; reply_markup?: unknown; reply_parameters?: unknown; link_preview_options?: unknown }) {
    return this.call<TgMessage>('sendMessage', p);
  }
  /** sendPhoto / sendDocument / sendVideo / sendAudio / sendVoice with the file uploaded as multipart. */
  sendFile(method: 'sendPhoto' | 'sendDocument' | 'sendVideo' | 'sendAudio' | 'sendVoice', field: string, p: { chat_id: number | string; file: { name: string; mimeType: string; data: Buffer }; caption?: string; reply_markup?: unknown; reply_parameters?: unknown }) {
    const form = new FormData();
    form.set('chat_id', String(p.chat_id));
    form.set(field, new Blob([new Uint8Array(p.file.data)], { type: p.file.mimeType }), p.file.name);
    if (p.caption) form.set('caption', p.caption);
    if (p.reply_markup) form.set('reply_markup', JSON.stringify(p.reply_markup));
    if (p.reply_parameters) form.set('reply_parameters', JSON.stringify(p.reply_parameters));
    return this.call<TgMessage>(method, {}, { form, timeoutMs: 60_000 });
  }
  answerCallbackQuery(p: { callback_query_id: string; text?: string }) {
    return this.call<true>('answerCallbackQuery', p);
  }
  getFile(fileId: string) {
    return this.call<TgFile>('getFile', { file_id: fileId });
  }
  /** The bytes of a file from getFile's `file_path`. */
  async download(filePath: string): Promise<Buffer> {
    let res: Response;
    try {
      res = await this.fetch(`${this.baseUrl}/file/bot${this.token}/${filePath}`, { signal: AbortSignal.timeout(60_000) });
    } catch (e) {
      throw new TelegramNetworkError(`Telegram file download: ${(e as Error)?.message ?? 'network error'}`, false);
    }
    if (!res.ok) throw new TelegramApiError(res.status, { error_code: res.status, description: `file download failed (HTTP ${res.status})` });
    return Buffer.from(await res.arrayBuffer());
  }
}
