import { Type, type Static } from 'typebox';

/**
 * Sign-in methods a plugin adds to the kernel's login (a Telegram bot, later Google…), declared in
 * the manifest's `authProviders`. The kernel owns everything that makes a sign-in safe — the
 * attempt, its one-time code and the browser's secret, the 5-minute expiry, single use, rate
 * limits, the link between an outside identity and a user, and the session it ends in (the same
 * refresh token, sessions list and revocation as a password sign-in). The plugin only:
 *
 * 1. answers the kernel's call to its `start` action (params {@link AuthProviderStartParams}) with
 *    where the person confirms — a deep link or an authorization URL ({@link AuthProviderStartResult});
 * 2. when the person shows up there (the bot got `/start <code>`, the OAuth callback came back),
 *    asks the kernel what the code is for ({@link AUTH_ATTEMPT_ACTIONS}.inspect) and, once they
 *    confirm, settles it with the outside identity it verified itself ({@link AuthAttemptSettleParams}).
 *
 * Allowlist both kernel actions in the manifest's `calls`. The browser polls the kernel and receives
 * its session (sign-in) or the new link (linking) — nothing of the session passes through the plugin.
 */
export const AUTH_ATTEMPT_ACTIONS = { inspect: 'auth.inspectProviderAttempt', settle: 'auth.settleProviderAttempt' } as const;

/** What the kernel sends to a provider's `start` action. */
export const AuthProviderStartParams = Type.Object(
  {
    attemptId: Type.String({ format: 'uuid' }),
    /** The one-time code: put it in the deep link / OAuth `state`; 22 characters of [A-Za-z0-9_-]. */
    code: Type.String({ minLength: 16, maxLength: 64 }),
    /** `login`: someone signs in; `link`: a signed-in user adds this identity to their account. */
    purpose: Type.Union([Type.Literal('login'), Type.Literal('link')]),
    expiresAt: Type.String({ format: 'date-time' }),
    /** The browser's language, for the provider's page or first message. */
    locale: Type.String({ maxLength: 10 }),
  },
  { additionalProperties: false },
);
export type AuthProviderStartParams = Static<typeof AuthProviderStartParams>;

/** What a provider's `start` action answers; the kernel passes it to the browser. */
export const AuthProviderStartResult = Type.Object(
  {
    /** Where the person confirms: `https://t.me/<bot>?start=<code>`, an OAuth authorization URL. */
    url: Type.String({ pattern: '^(https?|tg)://', maxLength: 2000 }),
    /** Show the URL as a QR code too (to confirm on a phone while signing in on a computer). */
    qr: Type.Optional(Type.Boolean()),
    /** `redirect`: the browser goes to the URL (OAuth); `open`: a link/QR to open elsewhere (a bot). */
    mode: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('redirect')])),
  },
  { additionalProperties: false },
);
export type AuthProviderStartResult = Static<typeof AuthProviderStartResult>;

/** `auth.inspectProviderAttempt`: the code the person brought, and (optionally) who they are outside. */
export type AuthAttemptInspectParams = { provider: string; code: string; subject?: string };
/**
 * What an attempt is for, so the provider can ask the right question ("Sign in to Salon as Anna
 * from Chrome on 10.0.0.7?"). `user`: for a link, the user who asked; for a sign-in with `subject`,
 * the user that identity is linked to — null with `problem` when it cannot sign in.
 */
export type AuthAttemptInfo = {
  attemptId: string;
  purpose: 'login' | 'link';
  status: 'pending' | 'confirmed' | 'cancelled' | 'used';
  expiresAt: string;
  tenant: { id: string; name: string };
  /** The browser that started the attempt: show it, so nobody confirms someone else's sign-in. */
  browser: { ip: string | null; userAgent: string | null };
  user: { id: string; displayName: string; email: string } | null;
  problem: 'NOT_LINKED' | 'NOT_A_MEMBER' | null;
};

/** `auth.settleProviderAttempt`: the person confirmed (or declined) with this outside identity. */
export type AuthAttemptSettleParams = {
  provider: string;
  code: string;
  decision: 'confirm' | 'cancel';
  /** The outside id the provider verified itself (a Telegram user id, Google's `sub`) — never the person's own words. */
  subject: string;
  /** How to show the identity in the user's linked accounts ("@anna", "anna@gmail.com"). */
  display?: string;
};
export type AuthAttemptSettled = { purpose: 'login' | 'link'; status: 'confirmed' | 'cancelled'; userId: string | null; tenantId: string; displayName: string | null };
