import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BILLING_API_VERSION, billingPlans, connectConfig, PlatformNotConfiguredError, requireBillingConfig } from './platform.config.ts';

const VARS = ['ATRIUM_BILLING_PLANS', 'ATRIUM_BILLING_PLANS_FILE', 'ATRIUM_BILLING_STRIPE_SECRET_KEY', 'ATRIUM_BILLING_STRIPE_API_VERSION', 'ATRIUM_BILLING_PORTAL_CONFIGURATION', 'ATRIUM_STRIPE_CONNECT_SECRET_KEY', 'ATRIUM_STRIPE_CONNECT_FEE_BPS', 'ATRIUM_STRIPE_CONNECT_ACCOUNT_TYPE'];
const saved = Object.fromEntries(VARS.map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});
const clear = () => VARS.forEach((k) => delete process.env[k]);

function thrown(fn: () => unknown): PlatformNotConfiguredError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PlatformNotConfiguredError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('operator configuration from the environment', () => {
  it('plans: JSON inline or from a file; currency upper-cased; none configured = no plans', () => {
    clear();
    expect(billingPlans()).toEqual([]);
    process.env.ATRIUM_BILLING_PLANS = JSON.stringify([{ id: 'basic', name: 'Basic', priceMinor: 990, currency: 'kzt', interval: 'month' }]);
    expect(billingPlans()).toEqual([{ id: 'basic', name: 'Basic', priceMinor: 990, currency: 'KZT', interval: 'month' }]);
    delete process.env.ATRIUM_BILLING_PLANS;
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'plans-')), 'plans.json');
    fs.writeFileSync(file, JSON.stringify([{ id: 'y', name: 'Yearly', priceMinor: 100, currency: 'EUR', interval: 'year', trialDays: 30 }]));
    process.env.ATRIUM_BILLING_PLANS_FILE = file;
    expect(billingPlans().map((p) => [p.id, p.trialDays])).toEqual([['y', 30]]);
    process.env.ATRIUM_BILLING_PLANS_FILE = `${file}.missing`;
    expect(thrown(() => billingPlans()).message).toContain('ATRIUM_BILLING_PLANS_FILE');
  });

  it('bad plans are a 503 naming the variable and what is wrong', () => {
    clear();
    process.env.ATRIUM_BILLING_PLANS = '[{ "id": "x" ';
    let e = thrown(() => billingPlans());
    expect([e.code, e.message]).toEqual([503, expect.stringContaining('ATRIUM_BILLING_PLANS is not JSON')]);
    process.env.ATRIUM_BILLING_PLANS = JSON.stringify([{ id: 'Bad Id', name: 'x', priceMinor: -1, currency: 'usd', interval: 'fortnight' }]);
    e = thrown(() => billingPlans());
    expect(e.message).toMatch(/ATRIUM_BILLING_PLANS is invalid: .*\/0\/id/);
    process.env.ATRIUM_BILLING_PLANS = JSON.stringify([{ id: 'a', name: 'A', priceMinor: 1, currency: 'usd', interval: 'month' }, { id: 'a', name: 'A2', priceMinor: 2, currency: 'usd', interval: 'month' }]);
    expect(thrown(() => billingPlans()).message).toContain('plan id "a" appears twice');
    expect(thrown(() => requireBillingConfig()).type).toBe('BILLING_NOT_CONFIGURED');
  });

  it('billing pins a Stripe-Version (overridable) and takes an optional portal configuration; malformed ones are a 503 naming the variable', () => {
    clear();
    process.env.ATRIUM_BILLING_STRIPE_SECRET_KEY = 'sk_test_operator';
    expect(requireBillingConfig()).toMatchObject({ apiVersion: BILLING_API_VERSION, portalConfiguration: undefined });
    process.env.ATRIUM_BILLING_STRIPE_API_VERSION = '2025-03-31.basil';
    process.env.ATRIUM_BILLING_PORTAL_CONFIGURATION = 'bpc_123';
    expect(requireBillingConfig()).toMatchObject({ apiVersion: '2025-03-31.basil', portalConfiguration: 'bpc_123' });
    process.env.ATRIUM_BILLING_STRIPE_API_VERSION = 'latest';
    expect(thrown(() => requireBillingConfig()).message).toContain('ATRIUM_BILLING_STRIPE_API_VERSION');
    process.env.ATRIUM_BILLING_STRIPE_API_VERSION = '2025-03-31.basil';
    process.env.ATRIUM_BILLING_PORTAL_CONFIGURATION = 'https://billing.stripe.com/p/login/x';
    expect(thrown(() => requireBillingConfig()).message).toContain('ATRIUM_BILLING_PORTAL_CONFIGURATION');
  });

  it('Connect: unset key = not configured; commission defaults to 0 and must be 0…10000 bps', () => {
    clear();
    expect(connectConfig()).toBeNull();
    process.env.ATRIUM_STRIPE_CONNECT_SECRET_KEY = 'sk_test_platform';
    expect(connectConfig()).toMatchObject({ feeBps: 0, accountType: 'standard', baseUrl: 'https://api.stripe.com', webhookSecrets: [] });
    process.env.ATRIUM_STRIPE_CONNECT_FEE_BPS = '10001';
    expect(thrown(() => connectConfig()).type).toBe('CONNECT_MISCONFIGURED');
    process.env.ATRIUM_STRIPE_CONNECT_FEE_BPS = '2.5';
    expect(thrown(() => connectConfig()).type).toBe('CONNECT_MISCONFIGURED');
    process.env.ATRIUM_STRIPE_CONNECT_FEE_BPS = '150';
    process.env.ATRIUM_STRIPE_CONNECT_ACCOUNT_TYPE = 'custom';
    expect(thrown(() => connectConfig()).type).toBe('CONNECT_MISCONFIGURED');
  });
});
