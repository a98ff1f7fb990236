import type { AtriumHttp, Page } from '@atrium/sdk/ui';
import type { ListParams } from './lib/filters.ts';
import type { PluginInfo } from './lib/providers.ts';
import type { Intent, IntentDetail, Refund, ReconciliationRun } from './lib/types.ts';

// The payments plugin's REST routes (plugins/payments/src/services, README "API").
export function paymentsApi(http: AtriumHttp) {
  const base = '/api/payments';
  const id = (x: string) => encodeURIComponent(x);
  return {
    list: (p: ListParams, signal?: AbortSignal) => http.get<Page<Intent>>(`${base}/intents`, { ...p }, signal),
    get: (x: string) => http.get<IntentDetail>(`${base}/intents/${id(x)}`),
    /**
     * The key travels as the Idempotency-Key header, so the kernel's pipeline de-duplicates the
     * retry too (and may retry it on another node). The server still accepts a body
     * `idempotencyKey` for clients that cannot set headers; this one does not send it.
     */
    refund: (x: string, body: { amount: number; reason?: string }, idempotencyKey: string) =>
      http.post<{ refund: Refund; intent: Intent }>(`${base}/intents/${id(x)}/refunds`, body, { headers: { 'Idempotency-Key': idempotencyKey } }),
    capture: (x: string) => http.post<Intent>(`${base}/intents/${id(x)}/capture`, {}),
    cancel: (x: string) => http.post<Intent>(`${base}/intents/${id(x)}/cancel`, {}),
    refresh: (x: string) => http.post<Intent & { providerStatus: string | null; outcome: string }>(`${base}/intents/${id(x)}/refresh`, {}),
    runs: (q: { limit: number; offset: number }) => http.get<Page<ReconciliationRun>>(`${base}/reconciliation`, q),
    run: (x: string) => http.get<ReconciliationRun>(`${base}/reconciliation/${id(x)}`),
    reconcileNow: (hours?: number) => http.post<{ id: string; checked: number }>(`${base}/reconciliation/run`, hours ? { hours } : {}),
  };
}

// The kernel's plugin API (kernel/src/services/plugins.service.ts): provider plugins and their settings.
export function pluginsApi(http: AtriumHttp) {
  return {
    list: () => http.get<Page<PluginInfo>>('/api/plugins'),
    get: (x: string) => http.get<PluginInfo>(`/api/plugins/${encodeURIComponent(x)}`),
    saveSettings: (x: string, settings: Record<string, unknown>) => http.put<PluginInfo>(`/api/plugins/${encodeURIComponent(x)}/settings`, { settings }),
    enable: (x: string) => http.post<PluginInfo>(`/api/plugins/${encodeURIComponent(x)}/enable`, {}),
  };
}
