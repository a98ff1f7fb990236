import { defineUiPlugin } from '@atrium/sdk/ui';
import CheckoutPage from './checkout/CheckoutPage.vue';
import messages from './messages.ts';
import CustomersPage from './pages/CustomersPage.vue';
import GiftCardsPage from './pages/GiftCardsPage.vue';
import ProductsPage from './pages/ProductsPage.vue';
import PromotionsPage from './pages/PromotionsPage.vue';
import RegistersPage from './pages/RegistersPage.vue';
import ReportsPage from './pages/ReportsPage.vue';
import SaleDetailPage from './pages/SaleDetailPage.vue';
import SalesPage from './pages/SalesPage.vue';
import StaffPinsPage from './pages/StaffPinsPage.vue';
import StockPage from './pages/StockPage.vue';
import TasksPage from './pages/TasksPage.vue';
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
    { path: 'stock', name: 'stock', component: StockPage, meta: { can: ['read', 'pos.Stock'] } },
    { path: 'customers', name: 'customers', component: CustomersPage, meta: { can: ['read', 'pos.Customer'] } },
    { path: 'customers/:id', name: 'customer', component: CustomersPage, meta: { can: ['read', 'pos.Customer'] } },
    { path: 'gift-cards', name: 'gift-cards', component: GiftCardsPage, meta: { can: ['read', 'pos.GiftCard'] } },
    { path: 'registers', name: 'registers', component: RegistersPage, meta: { can: ['read', 'pos.Register'] } },
    { path: 'tasks', name: 'tasks', component: TasksPage, meta: { can: ['read', 'pos.Task'] } },
    { path: 'reports', name: 'reports', component: ReportsPage, meta: { can: ['read', 'pos.Report'] } },
    { path: 'promotions', name: 'promotions', component: PromotionsPage, meta: { can: ['read', 'pos.Promotion'] } },
    { path: 'staff', name: 'staff', component: StaffPinsPage, meta: { can: ['manage', 'pos.Staff'] } },
  ],
  components: { CheckoutPage, SalesPage, SaleDetailPage, ProductsPage, StockPage, CustomersPage, GiftCardsPage, RegistersPage, TasksPage, ReportsPage, PromotionsPage, StaffPinsPage, TodayWidget },
  messages,
});
