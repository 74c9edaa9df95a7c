import { describe, expect, it, vi } from "vitest";
import { deferred, manualClock, settle } from "../testing/manual.ts";
import { createPositionsCache } from "./positions-cache.ts";

const SUMMARY = "balances_summary";
const down = () => Promise.reject(new Error("exchange down"));
/** The reports of the errors a stale value stood in for are tested once, below; here they are noise. */
const quiet = { onError: () => {} };

describe("stale-if-error", () => {
  it("serves the last value, marked stale with its age, when the reload fails within the bound", async () => {
    const clock = manualClock();
    const cache = createPositionsCache({ ...quiet, clock, ttlMs: 3000 });
    const first = await cache.getOrLoad("alice", SUMMARY, () => "v1", { staleIfErrorMs: 10_000 });
    clock.advance(3000 + 10_000);

    const result = await cache.getOrLoad("alice", SUMMARY, down, { staleIfErrorMs: 10_000 });
    expect(result).toEqual({
      value: "v1",
      fromCache: true,
      stale: true,
      ageMs: 13_000,
      storedAt: first.storedAt,
    });
    expect(cache.getMetrics()).toMatchObject({ staleServed: 1, loadErrors: 1, misses: 2 });
  });

  it("reports the error it stood in for to onError, once per failed load", async () => {
    const clock = manualClock();
    const onError = vi.fn();
    const cache = createPositionsCache({ clock, ttlMs: 1000, staleIfErrorMs: 5000, onError });
    await cache.getOrLoad("alice", SUMMARY, () => "v1");
    clock.advance(2000);
    const reload = deferred<string>();
    const waiters = [1, 2, 3].map(() => cache.getOrLoad("alice", SUMMARY, () => reload.promise));
    await settle();
    reload.reject(new Error("exchange down"));

    expect((await Promise.all(waiters)).map((r) => r.stale)).toEqual([true, true, true]);
    expect(onError).toHaveBeenCalledOnce();
    expect(onError).toHaveBeenCalledWith(
      expect.objectContaining({ message: "exchange down" }),
      "stale-if-error",
    );
  });

  it("keeps serving the fallback while the source stays down", async () => {
    const clock = manualClock();
    const cache = createPositionsCache({ ...quiet, clock, ttlMs: 1000, staleIfErrorMs: 5000 });
    await cache.getOrLoad("alice", SUMMARY, () => "v1");
    clock.advance(2000);
    expect(await cache.getOrLoad("alice", SUMMARY, down)).toMatchObject({ stale: true, ageMs: 2000 });
    clock.advance(2000);
    expect(await cache.getOrLoad("alice", SUMMARY, down)).toMatchObject({ stale: true, ageMs: 4000 });
  });

  it("throws once the value is older than the bound past its expiry", async () => {
    const clock = manualClock();
    const cache = createPositionsCache({ ...quiet, clock, ttlMs: 3000, staleIfErrorMs: 10_000 });
    await cache.getOrLoad("alice", SUMMARY, () => "v1");
    clock.advance(3000 + 10_000 + 1);
    await expect(cache.getOrLoad("alice", SUMMARY, down)).rejects.toThrow("exchange down");
  });

  it("applies the calling site's bound even when the entry was kept longer", async () => {
    const clock = manualClock();
    const cache = createPositionsCache({ ...quiet, clock, ttlMs: 3000, staleIfErrorMs: 10_000 });
    await cache.getOrLoad("alice", SUMMARY, () => "v1");
    clock.advance(3000 + 2000);
    await expect(cache.getOrLoad("alice", SUMMARY, down, { staleIfErrorMs: 1000 })).rejects.toThrow(
      "exchange down",
    );
    expect(await cache.getOrLoad("alice", SUMMARY, down, { staleIfErrorMs: 0 }).catch(() => "threw")).toBe(
      "threw",
    );
    expect(await cache.getOrLoad("alice", SUMMARY, down)).toMatchObject({ stale: true, ageMs: 5000 });
  });

  it("is off by default: a failed reload throws", async () => {
    const clock = manualClock();
    const cache = createPositionsCache({ ...quiet, clock, ttlMs: 3000 });
    await cache.getOrLoad("alice", SUMMARY, () => "v1");
    clock.advance(3001);
    await expect(cache.getOrLoad("alice", SUMMARY, down)).rejects.toThrow("exchange down");
  });

  it("does not serve an expired value from get", async () => {
    const clock = manualClock();
    const cache = createPositionsCache({ ...quiet, clock, ttlMs: 3000, staleIfErrorMs: 10_000 });
    await cache.set("alice", SUMMARY, "v1");
    clock.advance(3001);
    expect(await cache.get("alice", SUMMARY)).toBeUndefined();
    expect(cache.getMetrics().size).toBe(1); // kept as a fallback, not served
  });

  it("never serves an invalidated value, stale or not", async () => {
    const clock = manualClock();
    const cache = createPositionsCache({ ...quiet, clock, ttlMs: 3000, staleIfErrorMs: 10_000 });
    await cache.getOrLoad("alice", SUMMARY, () => "v1");
    clock.advance(4000);
    await cache.invalidate("alice");
    await expect(cache.getOrLoad("alice", SUMMARY, down)).rejects.toThrow("exchange down");
  });

  it("drops the fallback when the invalidation comes while the reload is running", async () => {
    const clock = manualClock();
    const cache = createPositionsCache({ ...quiet, clock, ttlMs: 3000, staleIfErrorMs: 10_000 });
    await cache.getOrLoad("alice", SUMMARY, () => "v1");
    clock.advance(4000);
    const reload = deferred<string>();
    const pending = cache.getOrLoad("alice", SUMMARY, () => reload.promise);
    await settle();
    await cache.invalidate("alice", SUMMARY);
    reload.reject(new Error("exchange down"));
    // The waiter retries after the cancelled load; the retry fails too, and nothing may stand in.
    await expect(pending).rejects.toThrow("exchange down");
  });

  it("keeps an entry past its expiry only as long as the fallback window", async () => {
    const clock = manualClock();
    const cache = createPositionsCache({ ...quiet, clock, ttlMs: 1000, staleIfErrorMs: 2000 });
    await cache.set("alice", SUMMARY, "v1");
    clock.advance(3000);
    expect(cache.cleanup()).toBe(0);
    clock.advance(1);
    expect(cache.cleanup()).toBe(1);
  });
});
