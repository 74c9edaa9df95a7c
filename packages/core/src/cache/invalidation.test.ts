import { describe, expect, it, vi } from "vitest";
import { deferred, manualClock, settle } from "../testing/manual.ts";
import { createPositionsCache, type InvalidationEvent, type PositionsCache } from "./positions-cache.ts";

const SUMMARY = "balances_summary";

function newCache(): PositionsCache {
  return createPositionsCache({ clock: manualClock() });
}

describe("selective invalidation", () => {
  it("removes one entry, all of a user's, or everything, and says how many", async () => {
    const cache = newCache();
    await cache.set("alice", SUMMARY, 1);
    await cache.set("alice", "orders", 2);
    await cache.set("bob", SUMMARY, 3);
    await cache.set("carol", SUMMARY, 4);

    expect(await cache.invalidate("alice", "orders")).toBe(1);
    expect(await cache.invalidate("alice", "orders")).toBe(0);
    expect(await cache.get("alice", SUMMARY)).toBe(1);

    await cache.set("alice", "orders", 2);
    expect(await cache.invalidate("alice")).toBe(2);
    expect(await cache.get("bob", SUMMARY)).toBe(3);

    expect(await cache.invalidateAll()).toBe(2);
    expect(cache.getMetrics()).toMatchObject({ size: 0, invalidations: 4, invalidatedEntries: 5 });
  });

  it("counts expired entries that were still held as removed", async () => {
    const clock = manualClock();
    const cache = createPositionsCache({ clock, ttlMs: 10 });
    await cache.set("alice", SUMMARY, 1);
    clock.advance(100);
    expect(await cache.invalidate("alice")).toBe(1);
  });

  it("never lets two users share an entry, whatever their ids contain", async () => {
    const cache = newCache();
    // With a naive "user:type" key these pairs would collide.
    await cache.set("a:b", "c", "first");
    await cache.set("a", "b:c", "second");
    await cache.set("1:a", "b", "third");
    await cache.set("1", ":ab", "fourth");

    expect(await cache.get("a:b", "c")).toBe("first");
    expect(await cache.get("a", "b:c")).toBe("second");
    expect(await cache.get("1:a", "b")).toBe("third");
    expect(await cache.get("1", ":ab")).toBe("fourth");
    expect(await cache.invalidate("a")).toBe(1);
    expect(await cache.get("a:b", "c")).toBe("first");
    expect(await cache.invalidate("1")).toBe(1);
    expect(await cache.get("1:a", "b")).toBe("third");
  });

  it("tells listeners about every invalidation, even one that removed nothing", async () => {
    const cache = newCache();
    const events: InvalidationEvent[] = [];
    const unsubscribe = cache.onInvalidate((event) => events.push(event));
    await cache.set("alice", SUMMARY, 1);

    await cache.invalidate("alice", SUMMARY);
    await cache.invalidate("bob");
    await cache.invalidateAll();
    unsubscribe();
    await cache.invalidate("alice");

    expect(events).toEqual([
      { userId: "alice", dataType: SUMMARY, removed: 1, origin: "local" },
      { userId: "bob", dataType: null, removed: 0, origin: "local" },
      { userId: null, dataType: null, removed: 0, origin: "local" },
    ]);
  });

  it("keeps invalidating when a listener throws, and reports the error", async () => {
    const onError = vi.fn();
    const cache = createPositionsCache({ clock: manualClock(), onError });
    const second = vi.fn();
    cache.onInvalidate(() => {
      throw new Error("listener broke");
    });
    cache.onInvalidate(second);
    await cache.set("alice", SUMMARY, 1);

    expect(await cache.invalidate("alice")).toBe(1);
    expect(second).toHaveBeenCalledOnce();
    expect(onError).toHaveBeenCalledWith(
      expect.objectContaining({ message: "listener broke" }),
      "invalidate-listener",
    );
  });
});

describe("no stale write-back", () => {
  const scopes: [string, (cache: PositionsCache) => Promise<number>][] = [
    ["the key", (cache) => cache.invalidate("alice", SUMMARY)],
    ["the user", (cache) => cache.invalidate("alice")],
    ["everything", (cache) => cache.invalidateAll()],
  ];

  for (const [scope, invalidate] of scopes) {
    it(`drops a load that was in flight when ${scope} was invalidated, and the next caller loads anew`, async () => {
      const cache = newCache();
      const oldLoad = deferred<string>();
      const newLoad = deferred<string>();
      const early = cache.getOrLoad("alice", SUMMARY, () => oldLoad.promise);
      await settle();

      await invalidate(cache);
      const late = cache.getOrLoad("alice", SUMMARY, () => newLoad.promise);
      oldLoad.resolve("before the mutation");
      // The caller that asked before the invalidation gets the load it joined...
      expect(await early).toMatchObject({ value: "before the mutation", fromCache: false });
      // ...but it was not stored.
      expect(await cache.get("alice", SUMMARY)).toBeUndefined();

      newLoad.resolve("after the mutation");
      expect(await late).toMatchObject({ value: "after the mutation", fromCache: false });
      expect(await cache.get("alice", SUMMARY)).toBe("after the mutation");
      expect(cache.getMetrics()).toMatchObject({ loads: 2, coalesced: 0 });
    });
  }

  /** Starts a load of the user's summary, invalidates while it is in flight, then lets it finish. */
  async function loadAcross(cache: PositionsCache, userId: string, invalidate: () => Promise<number>) {
    const load = deferred<string>();
    const pending = cache.getOrLoad(userId, SUMMARY, () => load.promise);
    await settle();
    await invalidate();
    load.resolve(`${userId}'s`);
    return pending;
  }

  it("does not store a load that finishes after the invalidation even with no later caller", async () => {
    const cache = newCache();
    await loadAcross(cache, "alice", () => cache.invalidate("alice"));
    expect(cache.getMetrics()).toMatchObject({ size: 0, inFlight: 0 });
  });

  it("leaves other users' loads alone", async () => {
    const cache = newCache();
    await loadAcross(cache, "bob", () => cache.invalidate("alice"));
    expect(await cache.get("bob", SUMMARY)).toBe("bob's");
  });

  it("aborts the loader's signal when its key is invalidated", async () => {
    const cache = newCache();
    let signal: AbortSignal | undefined;
    const load = deferred<string>();
    const pending = cache.getOrLoad("alice", SUMMARY, (context) => {
      signal = context.signal;
      return load.promise;
    });
    await settle();
    expect(signal?.aborted).toBe(false);
    await cache.invalidate("alice", SUMMARY);
    expect(signal?.aborted).toBe(true);
    load.resolve("x");
    await pending;
  });

  it("reloads for waiting callers when the loader gives up because it was invalidated", async () => {
    const cache = newCache();
    let calls = 0;
    const loader = ({ signal }: { signal: AbortSignal }) => {
      calls++;
      if (calls > 1) return Promise.resolve("fresh");
      return new Promise<string>((_, reject) =>
        signal.addEventListener("abort", () => reject(signal.reason)),
      );
    };
    const waiters = [cache.getOrLoad("alice", SUMMARY, loader), cache.getOrLoad("alice", SUMMARY, loader)];
    await settle();
    await cache.invalidate("alice");

    const results = await Promise.all(waiters);
    expect(results.map((r) => r.value)).toEqual(["fresh", "fresh"]);
    expect(calls).toBe(2);
    expect(await cache.get("alice", SUMMARY)).toBe("fresh");
  });

  it("stops reloading after three cancelled attempts and reports the cancellation", async () => {
    const cache = newCache();
    let calls = 0;
    // Every load is invalidated while it runs (an invalidation storm) and gives up on it.
    const loader = ({ signal }: { signal: AbortSignal }) => {
      calls++;
      queueMicrotask(() => void cache.invalidate("alice"));
      return new Promise<string>((_, reject) =>
        signal.addEventListener("abort", () => reject(signal.reason)),
      );
    };
    await expect(cache.getOrLoad("alice", SUMMARY, loader)).rejects.toMatchObject({ name: "AbortError" });
    expect(calls).toBe(3);
    expect(cache.getMetrics()).toMatchObject({ loads: 3, loadErrors: 3, inFlight: 0, size: 0 });
  });

  it("gives callers of a load that gave up on being overwritten the value that was set", async () => {
    const cache = newCache();
    let calls = 0;
    const loader = ({ signal }: { signal: AbortSignal }) => {
      calls++;
      return new Promise<string>((_, reject) =>
        signal.addEventListener("abort", () => reject(signal.reason)),
      );
    };
    const pending = cache.getOrLoad("alice", SUMMARY, loader);
    await settle();
    await cache.set("alice", SUMMARY, "set directly");
    expect(await pending).toMatchObject({ value: "set directly", fromCache: true, stale: false });
    expect(calls).toBe(1);
  });

  it("lets a value set during a load win over the load's result", async () => {
    const cache = newCache();
    const load = deferred<string>();
    const pending = cache.getOrLoad("alice", SUMMARY, () => load.promise);
    await settle();
    await cache.set("alice", SUMMARY, "set directly");
    load.resolve("loaded");
    await pending;
    expect(await cache.get("alice", SUMMARY)).toBe("set directly");
  });
});
