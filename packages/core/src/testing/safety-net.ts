/**
 * How long a test waits for something to happen (a socket's message, a metric, a log line): a
 * safety net against a hang, never a claim about speed. Tests pass on a busy machine (issue 18:
 * load average 4-16 on 2 cores) and assert on events, counts and states. Under the test timeout
 * (60 s, `@tradedesk/db/vitest-config`). The browser tests have theirs (`apps/web/e2e/testing`).
 */
export const SAFETY_NET_MS = 30_000;
