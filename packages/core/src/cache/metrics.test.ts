import { describe, expect, it } from "vitest";
import { deferred, manualClock, settle } from "../testing/manual.ts";
import { createPositionsCache } from "./positions-cache.ts";

describe("metrics", () => {
  it("start at zero with a hit rate of 0", () => {
    expect(createPositionsCache().getMetrics()).toEqual({
      totalRequests: 0,
      hits: 0,
      misses: 0,
      hitRate: 0,
      loads: 0,
      loadErrors: 0,
      coalesced: 0,
      staleServed: 0,
      invalidations: 0,
      invalidatedEntries: 0,
      evictions: 0,
      expired: 0,
      busErrors: 0,
      size: 0,
      inFlight: 0,
      byDataType: {},
    });
  });

  it("count per data type, and the totals are their sums", async () => {
    const cache = createPositionsCache({ clock: manualClock() });
    await cache.getOrLoad("alice", "balances_summary", () => 1);
    await cache.getOrLoad("alice", "balances_summary", () => 1);
    await cache.get("bob", "balances_summary");
    await cache.get("alice", "orders");
    await cache.getOrLoad("alice", "orders", () => Promise.reject(new Error("no")), {}).catch(() => {});

    const metrics = cache.getMetrics();
    expect(metrics.byDataType).toEqual({
      balances_summary: {
        totalRequests: 3,
        hits: 1,
        misses: 2,
        hitRate: 1 / 3,
        loads: 1,
        loadErrors: 0,
        coalesced: 0,
        staleServed: 0,
      },
      orders: {
        totalRequests: 2,
        hits: 0,
        misses: 2,
        hitRate: 0,
        loads: 1,
        loadErrors: 1,
        coalesced: 0,
        staleServed: 0,
      },
    });
    expect(metrics).toMatchObject({
      totalRequests: 5,
      hits: 1,
      misses: 4,
      hitRate: 0.2,
      loads: 2,
      loadErrors: 1,
    });
  });

  it("show loads in flight", async () => {
    const cache = createPositionsCache({ clock: manualClock() });
    const gate = deferred<number>();
    const pending = cache.getOrLoad("alice", "balances_summary", () => gate.promise);
    await settle();
    expect(cache.getMetrics()).toMatchObject({ inFlight: 1, size: 0 });
    gate.resolve(1);
    await pending;
    expect(cache.getMetrics()).toMatchObject({ inFlight: 0, size: 1 });
  });

  it("do not create per-type counters for invalidations of unknown data types", async () => {
    const cache = createPositionsCache();
    await cache.invalidate("alice", "made-up-by-a-client");
    expect(cache.getMetrics().byDataType).toEqual({});
  });
});
