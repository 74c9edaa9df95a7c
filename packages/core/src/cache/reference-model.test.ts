import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deferred, manualClock, settle } from "../testing/manual.ts";
import { createLocalInvalidationBus } from "./invalidation-bus.ts";
import { createPositionsCache, type PositionsCache } from "./positions-cache.ts";

/**
 * Random sequences of operations against the cache and against a reference model that is
 * obviously right (a Map in LRU order): values, fromCache and the metrics must agree.
 * Invalidations come from this cache or, through the bus, from a peer instance.
 */

const MAX_ENTRIES = 4;
const DEFAULT_TTL = 1000;
// Ids chosen so that naive "user:type" keys would collide.
const users = ["a", "a:b", "1:a", "b"];
const dataTypes = ["c", "b:c", ":ab", "balances_summary"];

type Op =
  | { kind: "get"; user: string; type: string }
  | { kind: "set"; user: string; type: string; ttl: number | undefined }
  | { kind: "load"; user: string; type: string; ttl: number | undefined; fails: boolean }
  | { kind: "burst"; user: string; type: string; callers: number; fails: boolean }
  | { kind: "race"; user: string; type: string; scope: Scope; via: Via; lateCaller: boolean }
  | { kind: "invalidate"; user: string; type: string; scope: Scope; via: Via }
  | { kind: "advance"; ms: number }
  | { kind: "cleanup" };

type Scope = "key" | "user" | "all";
type Via = "local" | "bus";

const user = fc.constantFrom(...users);
const type = fc.constantFrom(...dataTypes);
const ttl = fc.constantFrom(undefined, 1, 500, 3000);
const scope = fc.constantFrom<Scope>("key", "user", "all");
const via = fc.constantFrom<Via>("local", "bus");
/** How far the clock's upper bound is ahead of the exact time: 0 (exact) to never vouching. */
const slack = fc.constantFrom(0, 1, 499, 1000, Number.POSITIVE_INFINITY);
// Steps that land on and just past the TTLs above are likely, so an off-by-one shows up.
const step = fc.oneof(
  fc.constantFrom(1, 2, 499, 500, 501, 999, 1000, 1001, 2999, 3000, 3001),
  fc.integer({ min: 0, max: 4000 }),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("get" as const), user, type }),
  fc.record({ kind: fc.constant("set" as const), user, type, ttl }),
  fc.record({ kind: fc.constant("load" as const), user, type, ttl, fails: fc.boolean() }),
  fc.record({
    kind: fc.constant("burst" as const),
    user,
    type,
    callers: fc.integer({ min: 2, max: 5 }),
    fails: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("race" as const), user, type, scope, via, lateCaller: fc.boolean() }),
  fc.record({ kind: fc.constant("invalidate" as const), user, type, scope, via }),
  fc.record({ kind: fc.constant("advance" as const), ms: step }),
  fc.record({ kind: fc.constant("cleanup" as const) }),
);

interface ModelEntry {
  user: string;
  value: number;
  storedAt: number;
  ttl: number;
}

class Model {
  /** Insertion order is recency order: the first entry is the least recently used. */
  readonly entries = new Map<string, ModelEntry>();
  readonly m = {
    totalRequests: 0,
    hits: 0,
    misses: 0,
    loads: 0,
    loadErrors: 0,
    coalesced: 0,
    evictions: 0,
    expired: 0,
    invalidations: 0,
    invalidatedEntries: 0,
  };
  constructor(readonly now: () => number) {}

  key(user: string, type: string): string {
    return JSON.stringify([user, type]);
  }

  /** A read: a fresh entry becomes the most recent; an expired one is dropped. */
  read(user: string, type: string): ModelEntry | undefined {
    this.m.totalRequests++;
    const key = this.key(user, type);
    const entry = this.entries.get(key);
    if (entry !== undefined && this.now() - entry.storedAt > entry.ttl) {
      this.entries.delete(key);
      this.m.expired++;
    } else if (entry !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, entry);
      this.m.hits++;
      return entry;
    }
    this.m.misses++;
    return undefined;
  }

  store(user: string, type: string, value: number, ttl = DEFAULT_TTL): void {
    const key = this.key(user, type);
    if (this.entries.has(key)) {
      this.entries.delete(key);
    } else if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.m.evictions++;
    }
    this.entries.set(key, { user, value, storedAt: this.now(), ttl });
  }

  invalidate(user: string | null, type: string | null): number {
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if ((user === null || entry.user === user) && (type === null || key === this.key(entry.user, type))) {
        this.entries.delete(key);
        removed++;
      }
    }
    this.m.invalidations++;
    this.m.invalidatedEntries += removed;
    return removed;
  }

  cleanup(): number {
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (this.now() - entry.storedAt > entry.ttl) {
        this.entries.delete(key);
        removed++;
      }
    }
    this.m.expired += removed;
    return removed;
  }
}

/** The (userId, dataType) an invalidation of this scope covers; null = any. */
function scoped(o: { user: string; type: string; scope: Scope }): [string | null, string | null] {
  if (o.scope === "key") return [o.user, o.type];
  return o.scope === "user" ? [o.user, null] : [null, null];
}

function invalidateIn(cache: PositionsCache, o: { user: string; type: string; scope: Scope }) {
  if (o.scope === "key") return cache.invalidate(o.user, o.type);
  return o.scope === "user" ? cache.invalidate(o.user) : cache.invalidateAll();
}

describe("the cache against a reference model", () => {
  it("agrees on values, fromCache and metrics for random operation sequences", async () => {
    await fc.assert(
      // size "max": sequences up to maxLength (the default keeps them to ~10 operations, too
      // short to fill the cache and evict).
      fc.asyncProperty(fc.array(op, { maxLength: 60, size: "max" }), slack, async (ops, lag) => {
        const manual = manualClock();
        // A hit is decided by the clock's upper bound when it can (the shared clock's fast path)
        // and by the exact time otherwise: the answers must not depend on which.
        const clock = { ...manual, upperBound: () => manual.now() + lag };
        const bus = createLocalInvalidationBus();
        const cache = createPositionsCache({
          clock,
          ttlMs: DEFAULT_TTL,
          maxEntries: MAX_ENTRIES,
          bus,
          instanceId: "cache",
        });
        // Another server instance: it holds nothing, it only invalidates through the bus.
        const peer = createPositionsCache({ clock, bus, instanceId: "peer" });
        const model = new Model(clock.now);
        let next = 0;

        /** Invalidates here or on the peer; the model's removed count must match either way. */
        async function invalidate(o: { user: string; type: string; scope: Scope; via: Via }) {
          const removed = model.invalidate(...scoped(o));
          const before = cache.getMetrics().invalidatedEntries;
          if (o.via === "local") expect(await invalidateIn(cache, o)).toBe(removed);
          else await invalidateIn(peer, o);
          expect(cache.getMetrics().invalidatedEntries - before).toBe(removed);
        }

        for (const o of ops) {
          switch (o.kind) {
            case "get": {
              const expected = model.read(o.user, o.type);
              expect(await cache.get(o.user, o.type)).toBe(expected?.value);
              break;
            }
            case "set": {
              const value = next++;
              model.store(o.user, o.type, value, o.ttl);
              await cache.set(o.user, o.type, value, { ttlMs: o.ttl });
              break;
            }
            case "load": {
              const value = next++;
              const hit = model.read(o.user, o.type);
              const call = cache.getOrLoad(
                o.user,
                o.type,
                async () => {
                  if (o.fails) throw new Error("load failed");
                  return value;
                },
                { ttlMs: o.ttl },
              );
              if (hit !== undefined) {
                expect(await call).toMatchObject({
                  value: hit.value,
                  fromCache: true,
                  storedAt: hit.storedAt,
                });
              } else if (o.fails) {
                model.m.loads++;
                model.m.loadErrors++;
                await expect(call).rejects.toThrow("load failed");
              } else {
                model.m.loads++;
                model.store(o.user, o.type, value, o.ttl);
                expect(await call).toMatchObject({ value, fromCache: false, stale: false });
              }
              break;
            }
            case "burst": {
              const value = next++;
              const gate = deferred<number>();
              const expected = Array.from({ length: o.callers }, () => model.read(o.user, o.type));
              const calls = expected.map(() =>
                cache
                  .getOrLoad(o.user, o.type, () => gate.promise)
                  .then(
                    (r) => r,
                    (error: Error) => error.message,
                  ),
              );
              await settle();
              const missed = expected.filter((e) => e === undefined).length;
              if (missed > 0) {
                model.m.loads++;
                model.m.coalesced += missed - 1;
                if (o.fails) model.m.loadErrors++;
                else model.store(o.user, o.type, value);
              }
              // (A gate nobody waits on must not reject.)
              if (o.fails && missed > 0) gate.reject(new Error("load failed"));
              else gate.resolve(value);
              const results = await Promise.all(calls);
              results.forEach((result, i) => {
                const hit = expected[i];
                if (hit !== undefined) expect(result).toMatchObject({ value: hit.value, fromCache: true });
                else if (o.fails) expect(result).toBe("load failed");
                else expect(result).toMatchObject({ value, fromCache: false });
              });
              break;
            }
            case "race": {
              const value = next++;
              const gate = deferred<number>();
              const hit = model.read(o.user, o.type);
              const call = cache.getOrLoad(o.user, o.type, () => gate.promise);
              await settle();
              if (hit === undefined) model.m.loads++;
              await invalidate(o);
              // A caller that arrives after the invalidation runs a load of its own.
              const lateValue = next++;
              const lateGate = deferred<number>();
              let late: Promise<unknown> | undefined;
              if (o.lateCaller) {
                expect(model.read(o.user, o.type)).toBeUndefined();
                model.m.loads++;
                late = cache.getOrLoad(o.user, o.type, () => lateGate.promise);
                await settle();
              }
              gate.resolve(value);
              // The load finished after the invalidation: its caller gets it, the cache does not.
              expect(await call).toMatchObject(
                hit === undefined ? { value, fromCache: false } : { value: hit.value, fromCache: true },
              );
              if (late !== undefined) {
                model.store(o.user, o.type, lateValue);
                lateGate.resolve(lateValue);
                expect(await late).toMatchObject({ value: lateValue, fromCache: false });
              }
              break;
            }
            case "invalidate":
              await invalidate(o);
              break;
            case "advance":
              clock.advance(o.ms);
              break;
            case "cleanup":
              expect(cache.cleanup()).toBe(model.cleanup());
              break;
          }
          const { m } = model;
          expect(cache.getMetrics()).toMatchObject({
            ...m,
            size: model.entries.size,
            inFlight: 0,
            hitRate: m.totalRequests === 0 ? 0 : m.hits / m.totalRequests,
          });
        }
        cache.stop();
        peer.stop();
      }),
      { numRuns: 100 },
    );
  });
});
