import type { DailyPnlViewRefresh } from "@tradedesk/db";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createDailyPnlRefresher } from "./daily-pnl-refresh.ts";

/** The schedule and the coalescing of repairs, on fake timers; each refresh a promise the test settles. */

const MINUTE = 60_000;

interface Call {
  notBefore: Date;
  settle(result?: Partial<DailyPnlViewRefresh>): void;
  fail(error: Error): void;
}

function harness(settleMs = 2_000) {
  const calls: Call[] = [];
  const results: DailyPnlViewRefresh[] = [];
  const errors: unknown[] = [];
  const refresher = createDailyPnlRefresher({
    intervalMs: 5 * MINUTE,
    settleMs,
    refresh: ({ notBefore }) =>
      new Promise((resolve, reject) => {
        calls.push({
          notBefore,
          settle: (result) =>
            resolve({ refreshed: true, refreshedAt: new Date(), durationMs: 12, ...result }),
          fail: reject,
        });
      }),
    onRefresh: (result) => results.push(result),
    onError: (error) => errors.push(error),
  });
  return { refresher, calls, results, errors };
}

/** Lets settled promises run their continuations. */
const flush = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers({ now: new Date("2026-11-30T12:00:00Z") });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("the daily PnL view's refresher", () => {
  it("checks at start whether the view is older than the interval, then one interval after each check", async () => {
    const { refresher, calls, results } = harness();
    refresher.start();
    await flush();
    expect(calls.map((c) => c.notBefore.toISOString())).toEqual(["2026-11-30T11:55:00.000Z"]);
    calls[0]!.settle({ refreshed: false });
    await flush();
    expect(results).toEqual([expect.objectContaining({ refreshed: false })]);

    await vi.advanceTimersByTimeAsync(5 * MINUTE - 1);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.map((c) => c.notBefore.toISOString())).toEqual([
      "2026-11-30T11:55:00.000Z",
      "2026-11-30T12:00:00.000Z",
    ]);
    // A slow refresh: the next check waits for it, then a whole interval.
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    expect(calls).toHaveLength(2);
    calls[1]!.settle();
    await vi.advanceTimersByTimeAsync(5 * MINUTE);
    expect(calls).toHaveLength(3);
    calls[2]!.settle();
    await refresher.stop();
  });

  it("refreshes once for a burst of repairs, needing what followed the first of them", async () => {
    const { refresher, calls } = harness();
    refresher.afterRepairs();
    await vi.advanceTimersByTimeAsync(1_500);
    refresher.afterRepairs();
    refresher.afterRepairs();
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(500);
    expect(calls.map((c) => c.notBefore.toISOString())).toEqual(["2026-11-30T12:00:00.000Z"]);
    calls[0]!.settle();
    await refresher.idle();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toHaveLength(1);
  });

  it("runs a repair's refresh after the one running, never beside it", async () => {
    const { refresher, calls } = harness();
    refresher.start();
    await vi.advanceTimersByTimeAsync(30_000);
    refresher.afterRepairs();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(calls).toHaveLength(1);
    calls[0]!.settle();
    await flush();
    expect(calls.map((c) => c.notBefore.toISOString())).toEqual([
      "2026-11-30T11:55:00.000Z",
      "2026-11-30T12:00:30.000Z",
    ]);
    calls[1]!.settle();
    await refresher.stop();
  });

  it("reports a failed refresh and carries on with the schedule", async () => {
    const { refresher, calls, errors } = harness();
    refresher.start();
    await flush();
    calls[0]!.fail(new Error("database unreachable"));
    await flush();
    expect(errors).toEqual([new Error("database unreachable")]);
    await vi.advanceTimersByTimeAsync(5 * MINUTE);
    expect(calls).toHaveLength(2);
    calls[1]!.settle();
    await refresher.stop();
  });

  it("stops: waits for the refresh running, then refreshes no more", async () => {
    const { refresher, calls } = harness();
    refresher.start();
    refresher.afterRepairs();
    await flush();
    let stopped = false;
    const stopping = refresher.stop().then(() => {
      stopped = true;
    });
    await flush();
    expect(stopped).toBe(false);
    calls[0]!.settle();
    await stopping;
    await vi.advanceTimersByTimeAsync(60 * MINUTE);
    expect(calls).toHaveLength(1);
  });
});
