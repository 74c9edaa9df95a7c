import { describe, expect, it, vi } from "vitest";
import { deferred, manualClock, settle } from "../testing/manual.ts";
import { createPositionsCache } from "./positions-cache.ts";

describe("single-flight getOrLoad", () => {
  it("runs the loader once for concurrent misses on one key and gives everyone its value", async () => {
    const cache = createPositionsCache({ clock: manualClock() });
    const gate = deferred<string>();
    const loader = vi.fn(() => gate.promise);

    const callers = Array.from({ length: 50 }, () => cache.getOrLoad("alice", "balances_summary", loader));
    await settle();
    expect(loader).toHaveBeenCalledTimes(1);
    gate.resolve("summary");

    const results = await Promise.all(callers);
    expect(results.every((r) => r.value === "summary" && r.fromCache === false)).toBe(true);
    expect(cache.getMetrics()).toMatchObject({
      totalRequests: 50,
      misses: 50,
      hits: 0,
      loads: 1,
      coalesced: 49,
      inFlight: 0,
    });
    expect(await cache.getOrLoad("alice", "balances_summary", loader)).toMatchObject({ fromCache: true });
    expect(loader).toHaveBeenCalledTimes(1);
  });

  it("does not share a load between keys or users", async () => {
    const cache = createPositionsCache({ clock: manualClock() });
    const loader = vi.fn(async () => "x");
    await Promise.all([
      cache.getOrLoad("alice", "balances_summary", loader),
      cache.getOrLoad("alice", "orders", loader),
      cache.getOrLoad("bob", "balances_summary", loader),
    ]);
    expect(loader).toHaveBeenCalledTimes(3);
    expect(cache.getMetrics().coalesced).toBe(0);
  });

  it("on a loader error caches nothing, fails every waiter, and the next call loads again", async () => {
    const cache = createPositionsCache({ clock: manualClock() });
    const gate = deferred<string>();
    const failing = vi.fn(() => gate.promise);
    const callers = Array.from({ length: 3 }, () =>
      cache.getOrLoad("alice", "balances_summary", failing).then(
        () => "resolved",
        (error: Error) => error.message,
      ),
    );
    await settle();
    gate.reject(new Error("exchange down"));

    expect(await Promise.all(callers)).toEqual(["exchange down", "exchange down", "exchange down"]);
    expect(failing).toHaveBeenCalledTimes(1);
    expect(cache.getMetrics()).toMatchObject({ size: 0, loads: 1, loadErrors: 1, inFlight: 0 });

    const retry = await cache.getOrLoad("alice", "balances_summary", async () => "back");
    expect(retry).toMatchObject({ value: "back", fromCache: false });
    expect(cache.getMetrics()).toMatchObject({ loads: 2, loadErrors: 1 });
  });

  it("treats a loader that throws synchronously like one that rejects", async () => {
    const cache = createPositionsCache({ clock: manualClock() });
    await expect(
      cache.getOrLoad("alice", "balances_summary", () => {
        throw new Error("bad");
      }),
    ).rejects.toThrow("bad");
    expect(cache.getMetrics()).toMatchObject({ loadErrors: 1, inFlight: 0, size: 0 });
    expect((await cache.getOrLoad("alice", "balances_summary", () => "ok")).value).toBe("ok");
  });

  it("caches values that are falsy", async () => {
    const cache = createPositionsCache({ clock: manualClock() });
    const loader = vi.fn(() => 0);
    await cache.getOrLoad("alice", "count", loader);
    expect(await cache.getOrLoad("alice", "count", loader)).toMatchObject({ value: 0, fromCache: true });
    expect(loader).toHaveBeenCalledTimes(1);
  });
});
