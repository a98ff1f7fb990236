import { defineUiPlugin } from '@atrium/sdk/ui';
import CheckoutPage from './checkout/CheckoutPage.vue';
import messages from './messages.ts';
import ProductsPage from './pages/ProductsPage.vue';
import SaleDetailPage from './pages/SaleDetailPage.vue';
import SalesPage from './pages/SalesPage.vue';
import TodayWidget from './pages/TodayWidget.vue';

// The POS plugin's UI: the touch-first checkout (/pos) and the back-office pages. The manifest's
// `ui.contributions` name the components below; `meta.can` makes the shell's router send people
// without the permission back to the dashboard (the API refuses them too).
export default defineUiPlugin({
  routes: [
    { path: '', name: 'checkout', component: CheckoutPage, meta: { can: ['create', 'pos.Sale'] } },
    { path: 'sales', name: 'sales', component: SalesPage, meta: { can: ['read', 'pos.Sale'] } },
    { path: 'sales/:id', name: 'sale', component: SaleDetailPage, meta: { can: ['read', 'pos.Sale'] } },
    { path: 'products', name: 'products', component: ProductsPage, meta: { can: ['read', 'pos.Product'] } },
  ],
  components: { CheckoutPage, SalesPage, SaleDetailPage, ProductsPage, TodayWidget },
  messages,
});
