import { defineJob } from '@atrium/sdk';
import { declarePollers } from '../domain/accounts.ts';

/**
 * Every 5 minutes per tenant: declares again which accounts poll (the worker units live in Redis;
 * this brings them back after Redis lost them, and drops accounts changed behind our back).
 */
export const pollersJob = defineJob({
  cron: '0 */5 * * * *',
  async handler(ctx) {
    return { polling: (await declarePollers(ctx)).length };
  },
});
