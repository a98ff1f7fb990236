import type { Migration } from '@atrium/sdk';

/**
 * Every sale updates `stock_level.on_hand_milli`. An index over that column made each of those
 * updates write new index entries (no HOT update) and bloat the index under load; no query used it
 * (the low-stock job compares with per-product thresholds, the stock list sorts by an expression).
 * Free space on each page (fillfactor) lets the updated row version stay on its page.
 */
export const stockLevelHot: Migration = {
  name: '0041-stock-level-hot',
  up: `
drop index if exists pos.stock_level_low;
alter table pos.stock_level set (fillfactor = 80);
`,
};
