// The fake's Connect: connected accounts, account links, and an account finishing onboarding.
import { invalid, meta, req, str, type DecodedForm, type Obj, type StripeStore } from './store.ts';

export function createAccount(st: StripeStore, p: DecodedForm): Obj {
  return st.put({
    id: st.id('acct'), object: 'account', type: str(p.type) ?? 'express', country: str(p.country) ?? null, email: str(p.email) ?? null,
    charges_enabled: false, payouts_enabled: false, details_submitted: false, metadata: meta(p.metadata), created: st.now(),
    requirements: { currently_due: ['business_type', 'external_account', 'tos_acceptance.date'], eventually_due: [], past_due: [], pending_verification: [], disabled_reason: 'requirements.past_due', current_deadline: null },
  }, null);
}

export function accountLink(st: StripeStore, p: DecodedForm): unknown {
  const acct = st.get('account', req(p, 'account'), null);
  req(p, 'refresh_url');
  req(p, 'return_url');
  const type = req(p, 'type');
  if (!['account_onboarding', 'account_update'].includes(type)) throw invalid(`Invalid type: ${type}`, 'type');
  const now = st.now();
  return { object: 'account_link', url: `${st.baseUrl}/connect/${acct.id}/${type}`, created: now, expires_at: now + 300 };
}

/** The connected account finishes onboarding. */
export function completeOnboarding(st: StripeStore, accountId: string): Obj {
  const a = st.get('account', accountId, null);
  Object.assign(a, { charges_enabled: true, payouts_enabled: true, details_submitted: true, requirements: { currently_due: [], eventually_due: [], past_due: [], pending_verification: [], disabled_reason: null, current_deadline: null } });
  st.event('account.updated', a, accountId);
  return a;
}
