import { AUTH_ATTEMPT_ACTIONS, type AuthAttemptInfo, type AuthAttemptSettled, type EventContext } from '@atrium/sdk';
import { asLocale } from '../domain/reminder-text.ts';
import { LOGIN_PREFIX } from '../services/telegram-login.service.ts';

const PROVIDER = 'salon.telegram';
type Received = { messageId: string; conversationId: string; contactId: string; identityId: string; channel: string; startPayload: string | null };
type Pressed = { conversationId: string; contactId: string; messageId: string; buttonId: string };
type Conversation = { contact: { locale: string | null }; identity: { kind: string; value: string; username: string | null; display: string | null } };

/** Button ids of the question: `salon:auth:ok:<code>` / `salon:auth:no:<code>`. */
export const LOGIN_BUTTON = /^salon:auth:(ok|no):([A-Za-z0-9_-]{16,40})$/;

/**
 * Who wrote, as messaging verified it: the Telegram user id of the conversation (the update came
 * through the bot's authenticated webhook), never anything the person typed.
 */
async function telegramUser(ctx: EventContext<any>, conversationId: string) {
  const c = await ctx.call<Conversation>('messaging.conversations.get', { id: conversationId });
  if (c.identity.kind !== 'telegram') return null;
  const display = c.identity.username ? `@${c.identity.username}` : (c.identity.display ?? undefined);
  return { subject: c.identity.value, display, locale: asLocale(c.contact.locale, asLocale((await ctx.tenant()).locale)) };
}

async function reply(ctx: EventContext<any>, conversationId: string, key: string, text: string, buttons?: { id: string; text: string }[]) {
  // urgent: a sign-in question cannot wait for the quiet hours; the key makes a redelivery send nothing new
  await ctx.call('messaging.outbound.send', { to: { conversationId }, text, ...(buttons ? { buttons } : {}), urgent: true, idempotencyKey: key });
}

/** The kernel's refusals that end a sign-in, as the words the person reads. */
function refusal(e: unknown): 'expired' | 'used' | 'notLinked' | 'notMember' | null {
  switch ((e as { type?: string }).type) {
    case 'AUTH_ATTEMPT_EXPIRED': case 'NOT_FOUND': return 'expired';
    case 'AUTH_ATTEMPT_USED': return 'used';
    case 'IDENTITY_NOT_LINKED': return 'notLinked';
    case 'NOT_A_MEMBER': return 'notMember';
    default: return null;
  }
}

/** `/start login_<code>` in the salon's bot: ask the person to confirm (or say why they cannot). */
export async function onLoginStart(ctx: EventContext<Received>): Promise<void> {
  const p = ctx.event.payload;
  if (p.channel !== 'telegram' || !p.startPayload?.startsWith(LOGIN_PREFIX)) return;
  const code = p.startPayload.slice(LOGIN_PREFIX.length);
  const who = await telegramUser(ctx, p.conversationId);
  if (!who) return;
  const t = (k: string, params: Record<string, unknown> = {}) => ctx.t(`telegram.${k}`, params, who.locale);
  const key = `salon.login.${p.messageId}`;
  let info: AuthAttemptInfo;
  try {
    info = await ctx.call<AuthAttemptInfo>(AUTH_ATTEMPT_ACTIONS.inspect, { provider: PROVIDER, code, subject: who.subject });
  } catch (e) {
    const why = refusal(e);
    if (!why) throw e;
    return reply(ctx, p.conversationId, key, t(why, { tenant: (await ctx.tenant()).name }));
  }
  if (info.status !== 'pending') return reply(ctx, p.conversationId, key, t('used'));
  if (info.problem) return reply(ctx, p.conversationId, key, t(info.problem === 'NOT_LINKED' ? 'notLinked' : 'notMember', { tenant: info.tenant.name }));
  const browser = [info.browser.userAgent?.slice(0, 80), info.browser.ip].filter(Boolean).join(', ') || t('unknownBrowser');
  const user = info.user ? `${info.user.displayName} (${info.user.email})` : '';
  await reply(ctx, p.conversationId, key, t(info.purpose === 'link' ? 'askLink' : 'askLogin', { tenant: info.tenant.name, user, browser }), [
    { id: `salon:auth:ok:${code}`, text: t('confirm') },
    { id: `salon:auth:no:${code}`, text: t('decline') },
  ]);
}

/** Confirm / Decline under the question: settle the attempt once with the verified Telegram id. */
export async function onLoginButton(ctx: EventContext<Pressed>, decision: 'ok' | 'no', code: string): Promise<void> {
  const p = ctx.event.payload;
  const who = await telegramUser(ctx, p.conversationId);
  if (!who) return;
  const t = (k: string, params: Record<string, unknown> = {}) => ctx.t(`telegram.${k}`, params, who.locale);
  const key = `salon.login.${p.messageId}`;
  let settled: AuthAttemptSettled;
  try {
    settled = await ctx.call<AuthAttemptSettled>(AUTH_ATTEMPT_ACTIONS.settle, { provider: PROVIDER, code, decision: decision === 'ok' ? 'confirm' : 'cancel', subject: who.subject, ...(who.display ? { display: who.display } : {}) });
  } catch (e) {
    const why = refusal(e);
    if (!why) throw e;
    return reply(ctx, p.conversationId, key, t(why, { tenant: (await ctx.tenant()).name }));
  }
  if (settled.status === 'cancelled') return reply(ctx, p.conversationId, key, t('declined'));
  await reply(ctx, p.conversationId, key, settled.purpose === 'link' ? t('linked', { user: settled.displayName ?? '' }) : t('signedIn'));
}
