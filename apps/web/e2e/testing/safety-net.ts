/**
 * How long a browser test waits for anything (a locator, a response, `expect.poll`): a safety net
 * against a hang, never a claim about speed. The tests pass on a busy machine (issue 18: load
 * average 4-16 on 2 cores); what they claim they show by events, counts and states (for "the push,
 * not the poll", see `causes.ts`). Plain module: the vitest config imports it too.
 */
export const SAFETY_NET_MS = 30_000;

/** A test's own limit: several waits in a row may each be slow on a busy machine. */
export const TEST_TIMEOUT_MS = 6 * SAFETY_NET_MS;
