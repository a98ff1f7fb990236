import { defineUiPlugin } from '@atrium/sdk/ui';
import messages from './messages.ts';
import PaymentDetailPage from './PaymentDetailPage.vue';
import PaymentsListPage from './PaymentsListPage.vue';
import PaymentsWidget from './PaymentsWidget.vue';
import { PROVIDERS_PERMISSION } from './lib/providers.ts';
import ProvidersPage from './ProvidersPage.vue';
import ReconciliationPage from './ReconciliationPage.vue';

// The payments admin: list → detail (timeline, refund), reconciliation reports, provider setup,
// and a dashboard widget. atrium.plugin.json names the components below; `meta.can` makes the
// shell's router send people without the permission back to the dashboard (the API refuses too).
export default defineUiPlugin({
  routes: [
    { path: '', name: 'list', component: PaymentsListPage, meta: { can: ['read', 'payments.Intent'] } },
    { path: 'intents/:id', name: 'detail', component: PaymentDetailPage, meta: { can: ['read', 'payments.Intent'] } },
    { path: 'reconciliation', name: 'reconciliation', component: ReconciliationPage, meta: { can: ['read', 'payments.Reconciliation'] } },
    { path: 'providers', name: 'providers', component: ProvidersPage, meta: { can: [...PROVIDERS_PERMISSION] } },
  ],
  components: { PaymentsPage: PaymentsListPage, PaymentDetailPage, ReconciliationPage, ProvidersPage, PaymentsWidget },
  messages,
});
