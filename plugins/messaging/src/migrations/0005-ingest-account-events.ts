import type { Migration } from '@atrium/sdk';
import { createIngestFunctions } from './0004-ingest-functions.ts';

/**
 * `messaging.ingest` learns the `account` event (an adapter reporting that the account changed
 * state at the provider: a WAHA session scanned or logged out). It is stored once like every event
 * and answered with outcome `account`; the caller records the state on the account. The rest of
 * the function is 0004's, unchanged: this replaces it by inserting one branch before the person is
 * looked up (migrations that shipped are never edited).
 */
const ACCOUNT_BRANCH = `
    if v_kind = 'account' then
      outcome := 'account'; status := ev->>'status';
      return next; continue;
    end if;

    -- the person: identity (and a new contact for a new identity)`;

export const ingestAccountEvents: Migration = {
  name: '0005-ingest-account-events',
  up: createIngestFunctions.up.replace(`
    -- the person: identity (and a new contact for a new identity)`, ACCOUNT_BRANCH),
};
if (!ingestAccountEvents.up.includes("if v_kind = 'account' then")) throw new Error('0005: the ingest function changed shape; write its new text out in full');
