import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateManifest } from '@atrium/sdk';
import { PAYMENT_STATUSES } from '@atrium/sdk/payments';
import { currencyDigits, formatMinor, minorToInput, parseMajor } from '../ui/src/lib/money.ts';
import { checkRefundAmount, newRefundKey, refundableMinor } from '../ui/src/lib/refund.ts';
import { timelineRows } from '../ui/src/lib/timeline.ts';
import { activeFilterCount, emptyFilters, localDayStart, toListParams } from '../ui/src/lib/filters.ts';
import { missingRequired, providerKey, providerPlugins, PROVIDERS_PERMISSION, webhookSetup, webhookUrl, type PluginInfo } from '../ui/src/lib/providers.ts';
import { STATUSES, STATUS_COLOR } from '../ui/src/lib/types.ts';
import messages from '../ui/src/messages.ts';

// Intl output uses narrow no-break spaces; compare with plain spaces.
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('money', () => {
  it('knows each currency’s minor digits', () => {
    expect([currencyDigits('USD'), currencyDigits('kzt'), currencyDigits('JPY'), currencyDigits('KWD'), currencyDigits('UAH')]).toEqual([2, 2, 0, 3, 2]);
  });

  it('formats minor units per currency and locale', () => {
    expect(formatMinor(123456, 'USD', 'en')).toBe('$1,234.56');
    expect(plain(formatMinor(123456, 'KZT', 'ru'))).toBe('1 234,56 ₸');
    expect(plain(formatMinor(5000, 'UAH', 'uk'))).toBe('50,00 ₴');
    expect(formatMinor(123456, 'KZT', 'en')).toBe('₸1,234.56');
    expect(plain(formatMinor(99, 'RUB', 'ru'))).toBe('0,99 ₽');
    expect(formatMinor(5000, 'JPY', 'en')).toBe('¥5,000');
    expect(plain(formatMinor(1234, 'KWD', 'en'))).toBe('KWD 1.234');
    expect(plain(formatMinor(150000, 'KZT', 'kk'))).toMatch(/^1 500,00 ₸$/);
    expect(formatMinor(1, 'EUR', 'en')).toBe('€0.01');
  });

  it('parses what people type into minor units without floats', () => {
    const ok = (s: string, c = 'USD') => {
      const r = parseMajor(s, c);
      if (!r.ok) throw new Error(`${s}: ${r.error}`);
      return r.minor;
    };
    expect(ok('12.5')).toBe(1250);
    expect(ok('12,50')).toBe(1250);
    expect(ok('0.01')).toBe(1);
    expect(ok('1 234,56', 'KZT')).toBe(123456);
    expect(ok('1,234.56')).toBe(123456);
    expect(ok('1.234,56')).toBe(123456);
    expect(ok('1,234,567')).toBe(123456700);
    expect(ok('5000', 'JPY')).toBe(5000);
    expect(ok('1.234', 'KWD')).toBe(1234);
    expect(ok('19.99')).toBe(1999); // 19.99 * 100 is 1998.9999… as a float
    expect(ok('12.')).toBe(1200);
    expect(parseMajor('', 'USD')).toEqual({ ok: false, error: 'empty' });
    expect(parseMajor('12.345', 'USD')).toEqual({ ok: false, error: 'tooManyDecimals' });
    expect(parseMajor('1,234', 'USD')).toEqual({ ok: false, error: 'tooManyDecimals' });
    expect(parseMajor('5.5', 'JPY')).toEqual({ ok: false, error: 'tooManyDecimals' });
    for (const bad of ['-5', 'abc', '1e3', '1,23,456', '.', '1.2.3,4', '12,5.6,7']) expect(parseMajor(bad, 'USD'), bad).toMatchObject({ ok: false, error: 'invalid' });
    expect(parseMajor('99999999999999', 'USD')).toEqual({ ok: false, error: 'tooLarge' });
  });

  it('writes minor units back as input text', () => {
    expect(minorToInput(1250, 'USD')).toBe('12.50');
    expect(minorToInput(5, 'USD')).toBe('0.05');
    expect(minorToInput(5000, 'JPY')).toBe('5000');
    expect(minorToInput(1234, 'KWD')).toBe('1.234');
    for (const m of [1, 99, 100, 123456, 1999]) expect(parseMajor(minorToInput(m, 'EUR'), 'EUR')).toEqual({ ok: true, minor: m });
  });
});

describe('refunds', () => {
  it('refundable = captured − refunded, only for captured payments', () => {
    expect(refundableMinor({ status: 'captured', amountCaptured: 5000, amountRefunded: 0 })).toBe(5000);
    expect(refundableMinor({ status: 'partially_refunded', amountCaptured: 5000, amountRefunded: 1200 })).toBe(3800);
    expect(refundableMinor({ status: 'refunded', amountCaptured: 5000, amountRefunded: 5000 })).toBe(0);
    for (const s of ['pending', 'requires_action', 'authorized', 'failed', 'canceled', 'expired'] as const) {
      expect(refundableMinor({ status: s, amountCaptured: 5000, amountRefunded: 0 }), s).toBe(0);
    }
  });

  it('validates a partial amount against the refundable amount', () => {
    expect(checkRefundAmount('38.00', 'USD', 3800)).toEqual({ ok: true, minor: 3800 });
    expect(checkRefundAmount('38.01', 'USD', 3800)).toEqual({ ok: false, error: 'exceeds' });
    expect(checkRefundAmount('0', 'USD', 3800)).toEqual({ ok: false, error: 'zero' });
    expect(checkRefundAmount('', 'USD', 3800)).toEqual({ ok: false, error: 'empty' });
    expect(checkRefundAmount('1.001', 'USD', 3800)).toEqual({ ok: false, error: 'tooManyDecimals' });
    expect(checkRefundAmount('500', 'KZT', 150000)).toEqual({ ok: true, minor: 50000 });
  });

  it('a refund key is 128 random bits, new for each dialog', () => {
    const a = newRefundKey();
    const b = newRefundKey();
    expect(a).toMatch(/^refund-[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
    expect(newRefundKey((buf) => buf.fill(0xab))).toBe(`refund-${'ab'.repeat(16)}`);
    // the server accepts it as an idempotencyKey (8..200 printable ASCII)
    expect(a.length).toBeLessThanOrEqual(200);
    expect(a).toMatch(/^[\x21-\x7e]{8,}$/);
  });
});

describe('timeline rows', () => {
  const refunds = [
    { id: 'r1', intentId: 'i', amount: 1200, currency: 'USD', status: 'succeeded', providerRefundId: 're_1', reason: 'Damaged box', source: 'api', createdAt: '2030-01-01T10:05:00Z' },
    { id: 'r2', intentId: 'i', amount: 800, currency: 'USD', status: 'succeeded', providerRefundId: null, reason: 'seen at the provider', source: 'provider', createdAt: '2030-01-01T11:00:00Z' },
  ];
  const timeline = [
    { id: 't1', from: null, to: 'pending' as const, source: 'api', eventId: null, detail: { amount: 5000, currency: 'USD' }, userId: 'u1', at: '2030-01-01T10:00:00Z' },
    { id: 't2', from: 'pending' as const, to: 'captured' as const, source: 'webhook', eventId: 'evt_1', detail: { type: 'payment_intent.succeeded' }, userId: null, at: '2030-01-01T10:01:00Z' },
    { id: 't3', from: 'captured' as const, to: 'partially_refunded' as const, source: 'api', eventId: null, detail: { refundId: 'r1', amount: 1200, amountRefunded: 1200, providerRefundId: 're_1' }, userId: 'u1', at: '2030-01-01T10:05:00Z' },
    { id: 't4', from: 'partially_refunded' as const, to: 'partially_refunded' as const, source: 'reconcile', eventId: null, detail: { refundId: 'r2', amount: 800, amountRefunded: 2000 }, userId: null, at: '2030-01-01T11:00:00Z' },
  ];

  it('one row per recorded transition, in order, with the refund reason attached', () => {
    const rows = timelineRows({ timeline, refunds });
    expect(rows.map((r) => [r.kind, r.from, r.to, r.source])).toEqual([
      ['created', null, 'pending', 'api'],
      ['status', 'pending', 'captured', 'webhook'],
      ['refund', 'captured', 'partially_refunded', 'api'],
      ['refund', 'partially_refunded', 'partially_refunded', 'reconcile'],
    ]);
    expect(rows[0]).toMatchObject({ amount: 5000, userId: 'u1' });
    expect(rows[1]).toMatchObject({ eventId: 'evt_1', via: 'payment_intent.succeeded', late: false });
    expect(rows[2]).toMatchObject({ amount: 1200, amountRefunded: 1200, reason: 'Damaged box', external: false });
    expect(rows[3]).toMatchObject({ amount: 800, amountRefunded: 2000, external: true });
  });

  it('flags late payments and keeps the poller’s reason and the provider status', () => {
    const rows = timelineRows({
      refunds: [],
      timeline: [
        { id: 'a', from: 'pending', to: 'expired', source: 'poller', eventId: null, detail: { reason: 'link expired' }, userId: null, at: '2030-01-01T10:00:00Z' },
        { id: 'b', from: 'expired', to: 'captured', source: 'poller', eventId: null, detail: { providerStatus: 'captured', late: true, via: 'status' }, userId: null, at: '2030-01-01T10:10:00Z' },
      ],
    });
    expect(rows[0]).toMatchObject({ kind: 'status', note: 'link expired', late: false });
    expect(rows[1]).toMatchObject({ kind: 'status', late: true, providerStatus: 'captured', via: 'status' });
  });
});

describe('list filters → query', () => {
  const page = { page: 3, rowsPerPage: 20, sortBy: 'createdAt', descending: true };

  it('maps filters, pagination and sort to the API’s parameters', () => {
    const f = { ...emptyFilters(), status: 'captured' as const, provider: 'stripe', currency: 'kzt', amountMin: '1 000', amountMax: '2500,50', q: '  lesson  ' };
    const { params, errors } = toListParams(f, page);
    expect(errors).toEqual([]);
    expect(params).toEqual({ limit: 20, offset: 40, sort: '-createdAt', status: 'captured', provider: 'stripe', currency: 'KZT', amountMin: 100000, amountMax: 250050, q: 'lesson' });
    expect(activeFilterCount(f)).toBe(5);
    expect(activeFilterCount(emptyFilters())).toBe(0);
  });

  it('a date range is whole local days, "to" inclusive', () => {
    const { params } = toListParams({ ...emptyFilters(), from: '2030-03-01', to: '2030-03-31' }, page);
    expect(params.from).toBe(new Date(2030, 2, 1).toISOString());
    expect(params.to).toBe(new Date(2030, 3, 1).toISOString());
    const one = toListParams({ ...emptyFilters(), from: '2030-03-05', to: '2030-03-05' }, page).params;
    expect(new Date(one.to!).getTime() - new Date(one.from!).getTime()).toBeGreaterThanOrEqual(23 * 3600_000);
  });

  it('names the bad filter instead of sending it', () => {
    expect(toListParams({ ...emptyFilters(), from: '2030-02-30' }, page).errors).toEqual([{ field: 'from', error: 'invalidDate' }]);
    const order = toListParams({ ...emptyFilters(), from: '2030-03-05', to: '2030-03-01' }, page);
    expect(order.errors).toEqual([{ field: 'to', error: 'dateOrder' }]);
    expect(order.params.from).toBeUndefined();
    const amounts = toListParams({ ...emptyFilters(), amountMin: '50', amountMax: '10' }, page);
    expect(amounts.errors).toEqual([{ field: 'amountMax', error: 'amountOrder' }]);
    expect(toListParams({ ...emptyFilters(), amountMin: 'ten' }, page).errors).toEqual([{ field: 'amountMin', error: 'invalidAmount' }]);
    expect(toListParams({ ...emptyFilters(), currency: 'JPY', amountMin: '10.5' }, page).errors).toEqual([{ field: 'amountMin', error: 'invalidAmount' }]);
    expect(localDayStart('2030-13-01')).toBeNull();
  });
});

describe('provider setup', () => {
  const plugin = (id: string, extra: Partial<PluginInfo> = {}): PluginInfo => ({
    id, version: '0.1.0', displayName: { en: id }, description: {}, state: 'disabled', provides: id.startsWith('payments-') ? ['payment-provider'] : [],
    settingsSchema: null, secretFields: [], settings: {}, secretsSet: [], ...extra,
  });

  it('lists the provider plugins and the webhook URL the server gives them', () => {
    const all = [plugin('notes'), plugin('payments-stripe'), plugin('payments'), plugin('payments-kaspi'), plugin('payments-fake', { provides: [] })];
    expect(providerPlugins(all).map((p) => p.id)).toEqual(['payments-kaspi', 'payments-stripe']);
    expect(providerKey('payments-paybox')).toBe('paybox');
    expect(webhookUrl('https://pay.example.com/', 'stripe', '0b7c1f9e-4a52-4d3e-9a51-6f1d2c3b4a59')).toBe('https://pay.example.com/api/payments/webhooks/stripe/0b7c1f9e-4a52-4d3e-9a51-6f1d2c3b4a59');
    expect(webhookUrl('http://127.0.0.1:8080///', 'paybox', 't')).toBe('http://127.0.0.1:8080/api/payments/webhooks/paybox/t');
    expect([webhookSetup('stripe'), webhookSetup('paybox'), webhookSetup('kaspi'), webhookSetup('acme')]).toEqual(['dashboard', 'perPayment', 'polled', 'generic']);
  });

  const stripeManifest = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../../payments-stripe/atrium.plugin.json'), 'utf8'));
  // Stripe's own schema requires no key (a Connect-only tenant has none); the form is exercised with the
  // requirement a provider keyed by the tenant has
  const stripe = plugin('payments-stripe', { settingsSchema: { ...stripeManifest.settings.schema, required: ['secretKey', 'webhookSecrets'] }, secretFields: stripeManifest.settings.secrets });

  // the form itself is the shell's (PluginSettingsForm from @atrium/sdk/ui; admin/test/schema-form.test.ts)
  it('a provider is configured once its required settings are stored (secrets count when set)', () => {
    const stored = { ...stripe, secretsSet: ['secretKey', 'webhookSecrets'], settings: { mode: 'test', secretKey: null, webhookSecrets: null } };
    expect(missingRequired(stored)).toEqual([]);
    expect(missingRequired(stripe)).toEqual(['secretKey', 'webhookSecrets']);
  });
});

describe('UI contract', () => {
  it('knows every payment status the server has, each with a colour and a label in every locale', () => {
    expect([...STATUSES]).toEqual([...PAYMENT_STATUSES]);
    for (const s of STATUSES) expect(STATUS_COLOR[s]).toBeTruthy();
    for (const [locale, m] of Object.entries(messages)) {
      for (const s of STATUSES) expect((m as any).status[s], `${locale}.status.${s}`).toBeTruthy();
    }
  });

  it('every locale has exactly the English keys', () => {
    const keys = (o: Record<string, unknown>, p = ''): string[] =>
      Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' ? keys(v as Record<string, unknown>, `${p}${k}.`) : [`${p}${k}`])).sort();
    const en = keys(messages.en);
    for (const l of ['ru', 'uk', 'kk'] as const) expect(keys(messages[l]), l).toEqual(en);
    // placeholders survive translation
    const ph = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort().join();
    const flat = (o: any, k: string) => k.split('.').reduce((x, p) => x[p], o) as string;
    for (const k of en) for (const l of ['ru', 'uk', 'kk'] as const) expect(ph(flat(messages[l], k)), `${l}.${k}`).toBe(ph(flat(messages.en, k)));
  });

  it('the manifest with its UI contributions is valid', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../atrium.plugin.json'), 'utf8'));
    expect(() => validateManifest(manifest)).not.toThrow();
    const slots = manifest.ui.contributions.map((c: any) => c.slot).sort();
    expect(slots).toEqual(['dashboard.widgets', 'nav', 'route', 'route', 'route', 'route']);
    const subjects = new Set(manifest.permissions.subjects.map((s: any) => s.subject));
    for (const c of manifest.ui.contributions) if (c.permission && c.permission[1].startsWith('payments.')) expect(subjects.has(c.permission[1])).toBe(true);
  });

  it('the providers page is for people who may configure plugins, not for everyone who may read the list', () => {
    // the kernel grants staff read on kernel.Plugin; the page sets providers up
    expect(PROVIDERS_PERMISSION).toEqual(['configure', 'kernel.Plugin']);
    const manifest = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../atrium.plugin.json'), 'utf8'));
    const route = manifest.ui.contributions.find((c: any) => c.id === 'payments-providers');
    expect(route.permission).toEqual([...PROVIDERS_PERMISSION]);
    const index = fs.readFileSync(path.join(import.meta.dirname, '../ui/src/index.ts'), 'utf8');
    expect(index).toMatch(/path: 'providers',[^\n]*meta: \{ can: \[\.\.\.PROVIDERS_PERMISSION\] \}/);
  });
});
