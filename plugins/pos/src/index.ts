import { definePlugin } from '@atrium/sdk';
import manifest from '../atrium.plugin.json' with { type: 'json' };
import en from '../messages/en.json' with { type: 'json' };
import kk from '../messages/kk.json' with { type: 'json' };
import ru from '../messages/ru.json' with { type: 'json' };
import uk from '../messages/uk.json' with { type: 'json' };
import { createCatalog } from './migrations/0001-catalog.ts';
import { createStock } from './migrations/0002-stock.ts';
import { createCustomers } from './migrations/0003-customers.ts';
import { createSales } from './migrations/0004-sales.ts';
import { catalogExtras } from './migrations/0010-catalog-extras.ts';
import { productTerms } from './migrations/0011-product-terms.ts';
import { createTasks } from './migrations/0020-tasks.ts';
import { addLoyaltyNote } from './migrations/0021-loyalty-note.ts';
import { createAnalytics } from './migrations/0030-analytics.ts';
import { salesExtras } from './migrations/0040-sales-extras.ts';
import { stockLevelHot } from './migrations/0041-stock-level-hot.ts';
import { customerSearch } from './migrations/0042-customer-search.ts';
import { stockTransfers } from './migrations/0043-stock-transfers.ts';
import { transferSourceBatch } from './migrations/0044-transfer-source-batch.ts';
import { saleDayOne } from './migrations/0045-sale-day-one.ts';
import { priceHistory } from './migrations/0046-price-history.ts';
import { cardTerminals } from './migrations/0047-card-terminals.ts';
import { promotions } from './migrations/0048-promotions.ts';
import { tillStaff } from './migrations/0049-till-staff.ts';
import { storesService } from './services/stores.service.ts';
import { configService } from './services/config.service.ts';
import { kaspiQrService } from './services/kaspi-qr.service.ts';
import { cardTerminalsService } from './services/card-terminals.service.ts';
import { labelsService } from './services/labels.service.ts';
import { promotionsService } from './services/promotions.service.ts';
import { staffService } from './services/staff.service.ts';
import { tillService } from './services/till.service.ts';
import { categoriesService, taxRatesService } from './services/catalog.service.ts';
import { suppliersService } from './services/suppliers.service.ts';
import { variantGroupsService } from './services/variant-groups.service.ts';
import { productsService } from './services/products.service.ts';
import { productIoService } from './services/product-io.service.ts';
import { stockService } from './services/stock.service.ts';
import { lowStockJob, expireReservationsJob } from './domain/low-stock.ts';
import { importProductsJob } from './domain/import-run.ts';
import { registersService } from './services/registers.service.ts';
import { shiftsService } from './services/shifts.service.ts';
import { salesService } from './services/sales.service.ts';
import { receiptsService } from './services/receipts.service.ts';
import { customersService } from './services/customers.service.ts';
import { customerGroupsService } from './services/customer-groups.service.ts';
import { giftCardsService } from './services/gift-cards.service.ts';
import { tasksService } from './services/tasks.service.ts';
import { taskTemplatesService } from './services/task-templates.service.ts';
import { reportsService } from './services/reports.service.ts';
import { analyticsJobs } from './jobs/analytics.ts';
import { recurringTasksJob } from './jobs/recurring-tasks.ts';
import { Task } from './entities/task.ts';
import { kaspiRefunds } from './subscribers/kaspi-refunds.ts';

/**
 * The POS plugin's server entry. Areas (folders show the domain): catalogue and stock, registers,
 * shifts and sales, customers (credit, loyalty, gift cards), analytics, staff tasks. Money and
 * stock only change through domain/stock-ledger.ts and domain/customer-ledger.ts.
 */
export default definePlugin({
  manifest: manifest as any,
  messages: { en, ru, uk, kk },
  migrations: [createCatalog, createStock, createCustomers, createSales, catalogExtras, productTerms, createTasks, addLoyaltyNote, createAnalytics, salesExtras, stockLevelHot, customerSearch, stockTransfers, transferSourceBatch, saleDayOne, priceHistory, cardTerminals, promotions, tillStaff],
  services: [configService, kaspiQrService, cardTerminalsService, labelsService, promotionsService, staffService, tillService, storesService, categoriesService, taxRatesService, suppliersService, variantGroupsService, productsService, productIoService, stockService, registersService, shiftsService, salesService, receiptsService, customersService, customerGroupsService, giftCardsService, tasksService, taskTemplatesService, reportsService],
  entities: [Task],
  subscribers: { 'pos.sale.returned.v1': kaspiRefunds },
  jobs: { lowStock: lowStockJob, expireReservations: expireReservationsJob, importProducts: importProductsJob, recurringTasks: recurringTasksJob, ...analyticsJobs },
});
