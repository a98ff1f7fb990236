import { describe, expect, it } from 'vitest';
import { definePlugin } from '@atrium/sdk';
import { PluginRegistry, matchPattern } from './plugin-registry.ts';

const plugin = (id: string, extra: Record<string, unknown> = {}) =>
  definePlugin({ manifest: { id, version: '1.0.0', displayName: { en: id }, engines: { sdk: '^1.0.0' }, ...extra } as any });

describe('plugin registry', () => {
  it('matches call patterns with * anywhere, nothing else', () => {
    expect(matchPattern('payments.intents.*', 'payments.intents.create')).toBe(true);
    expect(matchPattern('payments-*.provider.*', 'payments-stripe.provider.refund')).toBe(true);
    expect(matchPattern('payments-*.provider.*', 'payments.provider.refund')).toBe(false);
    expect(matchPattern('notes.notes.list', 'notes.notes.listAll')).toBe(false);
    expect(matchPattern('a.b', 'a.b')).toBe(true);
  });

  it('allowlists by capability and always allows a plugin its own actions', () => {
    const r = new PluginRegistry();
    r.add(plugin('payments', { calls: ['capability:payment-provider.provider.*'] }));
    r.add(plugin('kaspi', { provides: ['payment-provider'] }));
    r.add(plugin('notes'));
    expect(r.mayCall('payments', 'kaspi.provider.status')).toBe(true);
    expect(r.mayCall('payments', 'notes.notes.list')).toBe(false);
    expect(r.mayCall('notes', 'notes.notes.list')).toBe(true);
    expect(r.mayCall('notes', 'payments.intents.create')).toBe(false);
  });

  it('orders by dependency, reports unmet dependencies and enabled dependents', () => {
    const r = new PluginRegistry();
    r.add(plugin('school', { dependencies: { payments: '^1.0.0' }, requires: ['payment-provider'] }));
    r.add(plugin('payments'));
    r.add(plugin('kaspi', { provides: ['payment-provider'], dependencies: { payments: '^1.0.0' } }));
    expect(r.ordered().map((p) => p.id).indexOf('payments')).toBeLessThan(r.ordered().map((p) => p.id).indexOf('school'));
    expect(r.unmetDependencies('school', new Set()).map((u) => u.plugin)).toEqual(['payments', 'kaspi']);
    expect(r.unmetDependencies('school', new Set(['payments', 'kaspi']))).toEqual([]);
    expect(r.enabledDependents('payments', new Set(['payments', 'kaspi', 'school'])).sort()).toEqual(['kaspi', 'school']);
    const bad = new PluginRegistry();
    bad.add(plugin('a', { dependencies: { b: '^2.0.0' } }));
    bad.add(plugin('b'));
    expect(bad.unmetDependencies('a', new Set(['b']))[0].reason).toMatch(/1\.0\.0 is installed but \^2\.0\.0 is required/);
  });

  it('detects dependency cycles', () => {
    const r = new PluginRegistry();
    r.add(plugin('x', { dependencies: { y: '*' } }));
    r.add(plugin('y', { dependencies: { x: '*' } }));
    expect(() => r.ordered()).toThrow(/cycle: x → y → x/);
  });
});
