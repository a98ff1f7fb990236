import { definePlugin } from '@atrium/sdk';
import manifest from '../atrium.plugin.json' with { type: 'json' };
import en from '../messages/en.json' with { type: 'json' };
import kk from '../messages/kk.json' with { type: 'json' };
import ru from '../messages/ru.json' with { type: 'json' };
import uk from '../messages/uk.json' with { type: 'json' };
import { seedDefaults } from './domain/defaults.ts';
import { createPeople } from './migrations/0001-people.ts';
import { createSchedule } from './migrations/0002-schedule.ts';
import { createPasses } from './migrations/0003-passes.ts';
import { createMoney } from './migrations/0004-money.ts';
import { createLeads } from './migrations/0005-leads.ts';
import { createNoticesImports } from './migrations/0006-notices-imports.ts';
import { attendanceService } from './services/attendance.service.ts';
import { groupsService } from './services/groups.service.ts';
import { holidaysService } from './services/holidays.service.ts';
import { leadSourcesService, leadStatusesService, rejectReasonsService } from './services/lead-lists.service.ts';
import { leadsService } from './services/leads.service.ts';
import { tasksService } from './services/tasks.service.ts';
import { reportsService } from './services/reports.service.ts';
import { dashboardService } from './services/dashboard.service.ts';
import { alfacrmImportJob, importsService } from './services/imports.service.ts';
import { invoicesService } from './services/invoices.service.ts';
import { lessonsService } from './services/lessons.service.ts';
import { passesService } from './services/passes.service.ts';
import { paymentsService } from './services/payments.service.ts';
import { branchesService, roomsService, subjectsService } from './services/places.service.ts';
import { studentsService } from './services/students.service.ts';
import { tariffsService } from './services/tariffs.service.ts';
import { teachersService } from './services/teachers.service.ts';
import { paymentRefunded, paymentSucceeded } from './subscribers/payments.ts';
import { absenceNotice, passLowNotice } from './subscribers/notices.ts';
import { housekeepingJob } from './jobs/housekeeping.ts';
import { remindersJob } from './jobs/reminders.ts';

export * from './events.ts';

export default definePlugin({
  manifest: manifest as any,
  messages: { en, ru, uk, kk },
  migrations: [createPeople, createSchedule, createPasses, createMoney, createLeads, createNoticesImports],
  services: [
    branchesService, roomsService, subjectsService, teachersService, studentsService, groupsService, holidaysService, lessonsService, attendanceService,
    tariffsService, passesService, invoicesService, paymentsService, leadsService, leadSourcesService, leadStatusesService, rejectReasonsService, tasksService,
    reportsService, dashboardService, importsService,
  ],
  subscribers: {
    'payments.intent.succeeded.v1': paymentSucceeded,
    'payments.intent.refunded.v1': paymentRefunded,
    'school.attendance.marked.v1': absenceNotice,
    'school.pass.low.v1': passLowNotice,
  },
  jobs: { reminders: remindersJob, housekeeping: housekeepingJob, alfacrmImport: alfacrmImportJob },
  onTenantEnable: seedDefaults,
});
