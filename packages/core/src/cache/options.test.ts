import { describe, expect, it } from "vitest";
import { createPositionsCache } from "./positions-cache.ts";

describe("bad arguments", () => {
  it.each([
    [{ ttlMs: 0 }, "ttlMs"],
    [{ ttlMs: 1.5 }, "ttlMs"],
    [{ cleanupIntervalMs: -1 }, "cleanupIntervalMs"],
    // Node would run a longer interval every 1 ms.
    [{ cleanupIntervalMs: 2 ** 31 }, "cleanupIntervalMs"],
    [{ maxEntries: Number.NaN }, "maxEntries"],
    [{ staleIfErrorMs: -5 }, "staleIfErrorMs"],
    [{ instanceId: "" }, "instanceId"],
    // A bare function was the option before the clock had an upper bound.
    [{ clock: (() => 0) as never }, "clock"],
  ])("createPositionsCache(%o) names %s", (options, field) => {
    expect(() => createPositionsCache(options)).toThrow(field);
  });

  it("names the field of a bad call and stores nothing", async () => {
    const cache = createPositionsCache();
    await expect(cache.get("", "balances_summary")).rejects.toThrow("userId");
    await expect(cache.set("alice", "", 1)).rejects.toThrow("dataType");
    await expect(cache.set("alice", "balances_summary", 1, { ttlMs: -1 })).rejects.toThrow("ttlMs");
    await expect(
      cache.getOrLoad("alice", "balances_summary", () => 1, { staleIfErrorMs: Number.POSITIVE_INFINITY }),
    ).rejects.toThrow("staleIfErrorMs");
    await expect(cache.getOrLoad("alice", "balances_summary", undefined as never)).rejects.toThrow("loader");
    await expect(cache.invalidate(undefined as never)).rejects.toThrow("userId");
    expect(cache.getMetrics()).toMatchObject({ size: 0, totalRequests: 0, loads: 0, invalidations: 0 });
  });
});
