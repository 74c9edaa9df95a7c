import { describe, expect, it, vi } from "vitest";
import { deferred, manualClock, settle } from "../testing/manual.ts";
import {
  createLocalInvalidationBus,
  type InvalidationBus,
  type InvalidationMessage,
} from "./invalidation-bus.ts";
import { createPositionsCache, type InvalidationEvent, type PositionsCache } from "./positions-cache.ts";

const SUMMARY = "balances_summary";

/** A local bus that also records what was published. */
function recordingBus(): { bus: InvalidationBus; published: InvalidationMessage[] } {
  const inner = createLocalInvalidationBus();
  const published: InvalidationMessage[] = [];
  return {
    published,
    bus: {
      ...inner,
      publish(message) {
        published.push(message);
        return inner.publish(message);
      },
    },
  };
}

describe("invalidation bus", () => {
  it("applies another instance's invalidations, with origin bus, without re-publishing", async () => {
    const { bus, published } = recordingBus();
    const clock = manualClock();
    const a = createPositionsCache({ clock, bus, instanceId: "a" });
    const b = createPositionsCache({ clock, bus, instanceId: "b" });
    const eventsOnB: InvalidationEvent[] = [];
    b.onInvalidate((event) => eventsOnB.push(event));
    await a.set("alice", SUMMARY, "a's");
    await b.set("alice", SUMMARY, "b's");
    await b.set("bob", SUMMARY, "b's");

    expect(await a.invalidate("alice")).toBe(1);
    expect(await b.get("alice", SUMMARY)).toBeUndefined();
    expect(await b.get("bob", SUMMARY)).toBe("b's");
    expect(eventsOnB).toEqual([{ userId: "alice", dataType: null, removed: 1, origin: "bus" }]);
    expect(published).toEqual([{ origin: "a", userId: "alice", dataType: null }]);

    await b.invalidateAll();
    expect(published).toEqual([
      { origin: "a", userId: "alice", dataType: null },
      { origin: "b", userId: null, dataType: null },
    ]);
    expect(a.getMetrics()).toMatchObject({ invalidations: 2 });
  });

  it("ignores its own messages", async () => {
    const bus = createLocalInvalidationBus();
    const cache = createPositionsCache({ clock: manualClock(), bus, instanceId: "a" });
    const events: InvalidationEvent[] = [];
    cache.onInvalidate((event) => events.push(event));
    await cache.invalidate("alice", SUMMARY);
    expect(events.map((e) => e.origin)).toEqual(["local"]);
    expect(cache.getMetrics().invalidations).toBe(1);
  });

  const scopes: [string, (cache: PositionsCache) => Promise<number>][] = [
    ["the key", (cache) => cache.invalidate("alice", SUMMARY)],
    ["the user", (cache) => cache.invalidate("alice")],
    ["everything", (cache) => cache.invalidateAll()],
  ];

  for (const [scope, invalidate] of scopes) {
    it(`cancels another instance's in-flight load when ${scope} is invalidated there`, async () => {
      const bus = createLocalInvalidationBus();
      const a = createPositionsCache({ clock: manualClock(), bus });
      const b = createPositionsCache({ clock: manualClock(), bus });
      const oldLoad = deferred<string>();
      const newLoad = deferred<string>();
      const early = b.getOrLoad("alice", SUMMARY, () => oldLoad.promise);
      await settle();

      await invalidate(a);
      const late = b.getOrLoad("alice", SUMMARY, () => newLoad.promise);
      oldLoad.resolve("old");
      expect(await early).toMatchObject({ value: "old", fromCache: false });
      expect(await b.get("alice", SUMMARY)).toBeUndefined();

      newLoad.resolve("new");
      expect(await late).toMatchObject({ value: "new", fromCache: false });
      expect(await b.get("alice", SUMMARY)).toBe("new");
      expect(b.getMetrics()).toMatchObject({ loads: 2, coalesced: 0 });
    });
  }

  it("applies a data type invalidated for every user", async () => {
    const bus = createLocalInvalidationBus();
    const cache = createPositionsCache({ clock: manualClock(), bus });
    await cache.set("alice", SUMMARY, 1);
    await cache.set("bob", SUMMARY, 2);
    await cache.set("bob", "orders", 3);
    await bus.publish({ origin: "elsewhere", userId: null, dataType: SUMMARY });
    expect(cache.getMetrics().size).toBe(1);
    expect(await cache.get("bob", "orders")).toBe(3);
  });

  it("keeps the local invalidation and reports when publishing fails", async () => {
    const onError = vi.fn();
    const bus: InvalidationBus = {
      publish: () => Promise.reject(new Error("redis down")),
      subscribe: () => () => {},
      close: async () => {},
    };
    const cache = createPositionsCache({ clock: manualClock(), bus, onError });
    await cache.set("alice", SUMMARY, 1);
    expect(await cache.invalidate("alice")).toBe(1);
    expect(cache.getMetrics()).toMatchObject({ size: 0, busErrors: 1 });
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: "redis down" }), "bus-publish");
  });

  it("reports messages that are not invalidations instead of applying them", async () => {
    const bus = createLocalInvalidationBus();
    const onError = vi.fn();
    const cache = createPositionsCache({ clock: manualClock(), bus, onError });
    await cache.set("alice", SUMMARY, 1);
    await bus.publish({ origin: "x", userId: 42, dataType: null } as unknown as InvalidationMessage);
    expect(onError).toHaveBeenCalledWith(expect.any(TypeError), "bus-message");
    expect(cache.getMetrics().size).toBe(1);
  });

  it("leaves the bus on stop()", async () => {
    const bus = createLocalInvalidationBus();
    const cache = createPositionsCache({ clock: manualClock(), bus });
    await cache.set("alice", SUMMARY, 1);
    cache.stop();
    await bus.publish({ origin: "x", userId: "alice", dataType: null });
    expect(await cache.get("alice", SUMMARY)).toBe(1);
  });

  it("local bus: delivers to every subscriber, refuses to publish once closed", async () => {
    const bus = createLocalInvalidationBus();
    const first = vi.fn();
    const second = vi.fn();
    const leave = bus.subscribe(first);
    bus.subscribe(second);
    await bus.publish({ origin: "x", userId: "alice", dataType: null });
    leave();
    await bus.publish({ origin: "x", userId: "bob", dataType: null });
    expect(first).toHaveBeenCalledTimes(1);
    expect(second).toHaveBeenCalledTimes(2);

    await bus.close();
    await expect(bus.publish({ origin: "x", userId: null, dataType: null })).rejects.toThrow("closed");
  });

  it("local bus: a failing subscriber does not keep the message from the others", async () => {
    const bus = createLocalInvalidationBus();
    const other = vi.fn();
    bus.subscribe(() => {
      throw new Error("broken subscriber");
    });
    bus.subscribe(other);
    await expect(bus.publish({ origin: "x", userId: "alice", dataType: null })).rejects.toThrow(
      AggregateError,
    );
    expect(other).toHaveBeenCalledOnce();
  });
});
