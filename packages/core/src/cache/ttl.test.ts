import { afterEach, describe, expect, it, vi } from "vitest";
import { manualClock } from "../testing/manual.ts";
import { exactClock } from "./clock.ts";
import { createPositionsCache } from "./positions-cache.ts";

describe("TTL", () => {
  it("serves an entry until its TTL passes and never after", async () => {
    const clock = manualClock();
    const cache = createPositionsCache({ clock, ttlMs: 3000 });
    await cache.set("alice", "balances_summary", "v1");

    clock.advance(3000);
    expect(await cache.get("alice", "balances_summary")).toBe("v1");
    clock.advance(1);
    expect(await cache.get("alice", "balances_summary")).toBeUndefined();
  });

  it("defaults to 3 seconds", async () => {
    const clock = manualClock();
    const cache = createPositionsCache({ clock });
    await cache.getOrLoad("alice", "balances_summary", () => "v1");

    clock.advance(3000);
    expect((await cache.getOrLoad("alice", "balances_summary", () => "v2")).value).toBe("v1");
    clock.advance(1);
    expect((await cache.getOrLoad("alice", "balances_summary", () => "v2")).value).toBe("v2");
  });

  it("lets a call override the TTL for the entry it stores", async () => {
    const clock = manualClock();
    const cache = createPositionsCache({ clock, ttlMs: 3000 });
    await cache.set("alice", "short", "s", { ttlMs: 100 });
    await cache.getOrLoad("alice", "long", () => "l", { ttlMs: 10_000 });

    clock.advance(101);
    expect(await cache.get("alice", "short")).toBeUndefined();
    clock.advance(5000);
    expect(await cache.get("alice", "long")).toBe("l");
    clock.advance(5000);
    expect(await cache.get("alice", "long")).toBeUndefined();
  });

  it("reports when a value was stored, on the cache's clock", async () => {
    const clock = manualClock(5_000);
    const cache = createPositionsCache({ clock });
    const loaded = await cache.getOrLoad("alice", "balances_summary", () => "v1");
    clock.advance(1200);
    const cached = await cache.getOrLoad("alice", "balances_summary", () => "v2");

    expect(loaded).toEqual({ value: "v1", fromCache: false, stale: false, storedAt: 5_000 });
    expect(cached).toEqual({ value: "v1", fromCache: true, stale: false, storedAt: 5_000 });
  });

  it("never serves an expired entry even though no cleanup ran", async () => {
    const clock = manualClock();
    const cache = createPositionsCache({ clock, ttlMs: 50 });
    await cache.set("alice", "balances_summary", "v1");
    clock.advance(51);

    expect(await cache.get("alice", "balances_summary")).toBeUndefined();
    const reloaded = await cache.getOrLoad("alice", "balances_summary", () => "v2");
    expect(reloaded).toMatchObject({ value: "v2", fromCache: false });
  });

  it("works with a clock that starts at 0", async () => {
    // 0 is a valid reading (lru-cache, the former store, took a start time of 0 for "no TTL").
    const clock = manualClock(0);
    const cache = createPositionsCache({ clock, ttlMs: 10 });
    await cache.set("alice", "balances_summary", "v1");
    clock.advance(11);

    expect(await cache.get("alice", "balances_summary")).toBeUndefined();
    expect(cache.cleanup()).toBe(0); // the read above already removed it
    await cache.set("alice", "balances_summary", "v2");
    clock.advance(11);
    expect(cache.cleanup()).toBe(1);
  });

  it("expires an entry stored while the clock had stepped back to just before the cache's creation", async () => {
    // Wall clocks step back (NTP): an entry stored at a reading before the cache existed still
    // expires ttlMs after that reading.
    const clock = manualClock();
    const cache = createPositionsCache({ clock, ttlMs: 10 });
    clock.advance(-1);
    await cache.set("alice", "balances_summary", "v1");
    clock.advance(10);
    expect(await cache.get("alice", "balances_summary")).toBe("v1");
    clock.advance(1);
    expect(await cache.get("alice", "balances_summary")).toBeUndefined();
  });
});

describe("cleanup", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("removes expired entries on its interval, and only expired ones", async () => {
    vi.useFakeTimers();
    const cache = createPositionsCache({
      clock: exactClock(() => Date.now()),
      ttlMs: 1000,
      cleanupIntervalMs: 60_000,
    });
    await cache.set("alice", "balances_summary", "a");
    await cache.set("bob", "balances_summary", "b", { ttlMs: 100_000 });
    cache.startCleanup();

    vi.advanceTimersByTime(59_999);
    expect(cache.getMetrics().size).toBe(2); // expired, but the task has not run yet
    vi.advanceTimersByTime(1);
    expect(cache.getMetrics()).toMatchObject({ size: 1, expired: 1 });
    expect(await cache.get("bob", "balances_summary")).toBe("b");

    vi.advanceTimersByTime(60_000);
    expect(cache.getMetrics()).toMatchObject({ size: 0, expired: 2 });
    cache.stop();
  });

  it("runs on the default 60 s interval", async () => {
    vi.useFakeTimers();
    const cache = createPositionsCache({ clock: exactClock(() => Date.now()) });
    await cache.set("alice", "balances_summary", "a");
    cache.startCleanup();
    vi.advanceTimersByTime(59_999);
    expect(cache.getMetrics().size).toBe(1);
    vi.advanceTimersByTime(1);
    expect(cache.getMetrics().size).toBe(0);
    cache.stop();
  });

  it("stop() clears every timer, and starting twice keeps one task", () => {
    vi.useFakeTimers();
    const cache = createPositionsCache();
    cache.startCleanup();
    cache.startCleanup();
    expect(vi.getTimerCount()).toBe(1);
    cache.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("does not keep the process alive", () => {
    const cache = createPositionsCache();
    const spy = vi.spyOn(globalThis, "setInterval");
    cache.startCleanup();
    const timer = spy.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    cache.stop();
    spy.mockRestore();
  });

  it("reads and gets leave no timers behind (no engine clock caching)", async () => {
    vi.useFakeTimers();
    const cache = createPositionsCache({ clock: exactClock(() => Date.now()) });
    await cache.getOrLoad("alice", "balances_summary", () => "a");
    await cache.get("alice", "balances_summary");
    cache.cleanup();
    expect(vi.getTimerCount()).toBe(0);
  });
});
