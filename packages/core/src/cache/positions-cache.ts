import { randomUUID } from "node:crypto";
import { type CacheClock, sharedClock } from "./clock.ts";
import { entryKey } from "./entry-key.ts";
import type { InvalidationBus, InvalidationMessage } from "./invalidation-bus.ts";
import {
  type CacheMetrics,
  type DataTypeCounters,
  emptyDataTypeCounters,
  emptyEntryCounters,
  snapshotMetrics,
} from "./metrics.ts";
import {
  requireId,
  requireNonNegativeInteger,
  requirePositiveInteger,
  requireTimerDelay,
} from "./options.ts";

/** The data type under which the domain caches a user's balances summary. */
export const BALANCES_SUMMARY = "balances_summary";

export const DEFAULT_TTL_MS = 3_000;
export const DEFAULT_CLEANUP_INTERVAL_MS = 60_000;
/**
 * A user holds a few entries (today one balances summary); one IP's exchange weight budget
 * serves ~4,300 watching users (see the core README), so 10,000 keeps every user of a process
 * while bounding memory to ~4 MiB of structure plus the values. apps/server uses the same.
 */
export const DEFAULT_MAX_ENTRIES = 10_000;

/** A load cancelled by invalidations is retried at most this often for the callers waiting on it. */
const MAX_LOAD_ATTEMPTS = 3;

/** One per process: every cache reads the same worker thread. */
const processClock = sharedClock();

export type CacheErrorSource =
  | "invalidate-listener"
  | "bus-publish"
  | "bus-message"
  | "cleanup"
  /** A loader error that a stale value stood in for: its callers got the value, not the error. */
  | "stale-if-error";

export interface PositionsCacheOptions {
  /** Default time to live of an entry, ms. Default 3000. */
  ttlMs?: number;
  /** Interval of the cleanup task started by startCleanup(), ms. Default 60000. */
  cleanupIntervalMs?: number;
  /** At most this many entries; beyond it the least recently used are evicted. Default 10000. */
  maxEntries?: number;
  /**
   * The clock for TTLs, storedAt and ages. Default: the process's shared clock (Date.now, and a
   * worker thread's cheaper bound for hits; see clock.ts). Fake timers do not move that bound:
   * with them, pass exactClock(() => Date.now()).
   */
  clock?: CacheClock;
  /**
   * Default stale-if-error window of getOrLoad/set, ms past an entry's expiry (0 = off). An entry
   * is kept this long after it expires so that it can stand in when a reload fails.
   */
  staleIfErrorMs?: number;
  /** Invalidations are published here, and other instances' invalidations applied from here. */
  bus?: InvalidationBus;
  /** This cache's origin on the bus. Default: a random UUID. */
  instanceId?: string;
  /** Told about failures that have no caller to throw to. Default: process.emitWarning. */
  onError?: (error: unknown, source: CacheErrorSource) => void;
}

export interface EntryOptions {
  /** Overrides the cache's ttlMs for this entry. */
  ttlMs?: number;
  /** Overrides the cache's staleIfErrorMs for this call (and the entry it stores). */
  staleIfErrorMs?: number;
}

export interface LoadContext {
  /** Aborted when the entry being loaded is invalidated or overwritten: its result will not be kept. */
  signal: AbortSignal;
}

export type Loader<T> = (context: LoadContext) => T | Promise<T>;

export interface LoadResult<T> {
  value: T;
  /** false when this call (or a concurrent one it joined) ran the loader. */
  fromCache: boolean;
  /** When the value was stored, on the cache's clock (ms). */
  storedAt: number;
  /** true only when the loader failed and an expired value was served instead (see ageMs). */
  stale: boolean;
  /** Age of a stale value, ms; set only when stale is true. */
  ageMs?: number;
}

export interface InvalidationEvent {
  /** null = every user. */
  userId: string | null;
  /** null = every data type. */
  dataType: string | null;
  /** Entries removed from this cache. */
  removed: number;
  /** "bus" when another instance invalidated and this cache applied it. */
  origin: "local" | "bus";
}

export interface PositionsCache {
  readonly instanceId: string;
  /** The fresh value, or undefined; one request, counted as a hit or a miss. */
  get<T = unknown>(userId: string, dataType: string): Promise<T | undefined>;
  set<T>(userId: string, dataType: string, value: T, options?: EntryOptions): Promise<void>;
  /**
   * The fresh value, else the loader's. Concurrent misses on one key share one loader run; a
   * load overtaken by an invalidation is never stored and never joined by later callers.
   */
  getOrLoad<T>(
    userId: string,
    dataType: string,
    loader: Loader<T>,
    options?: EntryOptions,
  ): Promise<LoadResult<T>>;
  /** One entry, or all of the user's entries; returns how many were removed. */
  invalidate(userId: string, dataType?: string): Promise<number>;
  /**
   * Every entry; `{ publish: false }` drops this instance's entries only (after the bus was away,
   * when this instance may have missed messages: the others need not drop theirs).
   */
  invalidateAll(options?: { publish?: boolean }): Promise<number>;
  /** Called after every invalidation, local or from the bus, even one that removed nothing. */
  onInvalidate(listener: (event: InvalidationEvent) => void): () => void;
  getMetrics(): CacheMetrics;
  /** Removes expired entries now; returns how many. */
  cleanup(): number;
  startCleanup(): void;
  /** Stops the cleanup task and leaves the bus (the bus itself is closed by its owner). */
  stop(): void;
}

interface Entry {
  value: unknown;
  /**
   * `get`'s answer, made on its first hit and handed to every later one: a settled promise of
   * an entry that never changes (a new value is a new entry), which spares a hit its allocation.
   */
  settled: Promise<unknown> | undefined;
  storedAt: number;
  ttlMs: number;
  /** How long past expiry the entry is kept as a stale-if-error fallback. */
  keepMs: number;
  userId: string;
  dataType: string;
  /** The data type's counters, so that a hit costs no extra lookup. */
  counters: DataTypeCounters;
  /** Neighbours in the recency list (see `oldest`). */
  older: Entry | undefined;
  newer: Entry | undefined;
}

interface Load {
  userId: string;
  dataType: string;
  controller: AbortController;
  /** Invalidated or overwritten while running: its result is not stored. */
  cancelled: boolean;
  /** Its error was reported to onError because a stale value stood in for it (once per load). */
  staleReported: boolean;
  promise: Promise<Entry>;
}

export function createPositionsCache(options: PositionsCacheOptions = {}): PositionsCache {
  const defaultTtlMs = requirePositiveInteger("ttlMs", options.ttlMs ?? DEFAULT_TTL_MS);
  const cleanupIntervalMs = requireTimerDelay(
    "cleanupIntervalMs",
    options.cleanupIntervalMs ?? DEFAULT_CLEANUP_INTERVAL_MS,
  );
  const maxEntries = requirePositiveInteger("maxEntries", options.maxEntries ?? DEFAULT_MAX_ENTRIES);
  const defaultStaleMs = requireNonNegativeInteger("staleIfErrorMs", options.staleIfErrorMs ?? 0);
  const instanceId = requireId("instanceId", options.instanceId ?? randomUUID());
  const clock = options.clock ?? processClock;
  if (typeof clock?.now !== "function" || typeof clock.upperBound !== "function") {
    throw new TypeError("positions cache: clock must have now() and upperBound()");
  }
  const onError =
    options.onError ??
    ((error: unknown, source: CacheErrorSource) =>
      process.emitWarning(`positions cache (${source}): ${String(error)}`));

  const countersByType = new Map<string, DataTypeCounters>();
  const entryCounters = emptyEntryCounters();
  /**
   * userId -> dataType -> entry: the only index. A read finds its entry here without building
   * (and hashing) a key string, and per-user invalidation walks one user's entries.
   */
  const entriesByUser = new Map<string, Map<string, Entry>>();
  /**
   * Recency: a doubly linked list through the entries, least recently used first. A hit moves
   * its entry to the end with a few pointer writes (no second lookup, as an LRU library keyed
   * by string would need); past maxEntries the first entry is evicted.
   */
  let oldest: Entry | undefined;
  let newest: Entry | undefined;
  let size = 0;
  const loads = new Map<string, Load>();
  const listeners = new Set<(event: InvalidationEvent) => void>();
  let cleanupTimer: ReturnType<typeof setInterval> | undefined;

  function unlink(entry: Entry): void {
    if (entry.older === undefined) oldest = entry.newer;
    else entry.older.newer = entry.newer;
    if (entry.newer === undefined) newest = entry.older;
    else entry.newer.older = entry.older;
    entry.older = undefined;
    entry.newer = undefined;
  }

  function append(entry: Entry): void {
    entry.older = newest;
    entry.newer = undefined;
    if (newest === undefined) oldest = entry;
    else newest.newer = entry;
    newest = entry;
  }

  function remove(entry: Entry): void {
    unlink(entry);
    size--;
    const entries = entriesByUser.get(entry.userId);
    entries?.delete(entry.dataType);
    if (entries?.size === 0) entriesByUser.delete(entry.userId);
  }

  /** Past its TTL and its stale-if-error window: no longer held. */
  function isExpired(entry: Entry, at: number): boolean {
    return at - entry.storedAt > entry.ttlMs + entry.keepMs;
  }

  function expire(entry: Entry): void {
    remove(entry);
    entryCounters.expired++;
  }

  function countersFor(dataType: string): DataTypeCounters {
    let counters = countersByType.get(dataType);
    if (counters === undefined) {
      counters = emptyDataTypeCounters();
      countersByType.set(dataType, counters);
    }
    return counters;
  }

  // Two helpers rather than one returning an object: getOrLoad's hit path allocates nothing.
  function ttlOf(call: EntryOptions | undefined): number {
    return call?.ttlMs === undefined ? defaultTtlMs : requirePositiveInteger("ttlMs", call.ttlMs);
  }

  function staleWindowOf(call: EntryOptions | undefined): number {
    return call?.staleIfErrorMs === undefined
      ? defaultStaleMs
      : requireNonNegativeInteger("staleIfErrorMs", call.staleIfErrorMs);
  }

  /**
   * The entry if fresh. An entry past its whole window is removed (expired).
   * A read is a use (LRU), even of an entry kept only as a stale-if-error fallback.
   */
  function readFresh(userId: string, dataType: string): Entry | undefined {
    const entry = entriesByUser.get(userId)?.get(dataType);
    if (entry === undefined) return undefined;
    // Fresh even at the latest time it can be now: no exact read needed (see clock.ts).
    let fresh = clock.upperBound() - entry.storedAt <= entry.ttlMs;
    if (!fresh) {
      const age = clock.now() - entry.storedAt;
      if (age > entry.ttlMs + entry.keepMs) {
        expire(entry);
        return undefined;
      }
      fresh = age <= entry.ttlMs;
    }
    if (entry !== newest) {
      unlink(entry);
      append(entry);
    }
    return fresh ? entry : undefined;
  }

  function makeEntry(userId: string, dataType: string, value: unknown, ttlMs: number, keepMs: number): Entry {
    const counters = countersFor(dataType);
    const storedAt = clock.now();
    return {
      value,
      settled: undefined,
      storedAt,
      ttlMs,
      keepMs,
      userId,
      dataType,
      counters,
      older: undefined,
      newer: undefined,
    };
  }

  /** Replaces the key's entry (a use), or adds one, evicting the least recently used if full. */
  function store(entry: Entry): void {
    const replaced = entriesByUser.get(entry.userId)?.get(entry.dataType);
    if (replaced !== undefined) {
      unlink(replaced);
      size--;
    } else if (size >= maxEntries && oldest !== undefined) {
      remove(oldest);
      entryCounters.evictions++;
    }
    // Looked up after the eviction, which may have dropped this user's (emptied) map.
    let entries = entriesByUser.get(entry.userId);
    if (entries === undefined) {
      entries = new Map();
      entriesByUser.set(entry.userId, entries);
    }
    entries.set(entry.dataType, entry);
    append(entry);
    size++;
  }

  function cancelLoad(key: string, load: Load, why: string): void {
    loads.delete(key);
    load.cancelled = true;
    load.controller.abort(new DOMException(`positions cache: ${why} while loading`, "AbortError"));
  }

  /** What a load of one key needs: its key, whose data it is, how to load it, how long to keep it. */
  interface LoadRequest<T> {
    key: string;
    userId: string;
    dataType: string;
    loader: Loader<T>;
    ttlMs: number;
    /** Kept this long past the TTL for stale-if-error. */
    keepMs: number;
  }

  function startLoad({ key, userId, dataType, loader, ttlMs, keepMs }: LoadRequest<unknown>): Load {
    const load: Load = {
      userId,
      dataType,
      controller: new AbortController(),
      cancelled: false,
      staleReported: false,
      promise: undefined as unknown as Promise<Entry>,
    };
    // Registered before the loader runs, so even a loader that throws at once is cleaned up.
    loads.set(key, load);
    countersFor(dataType).loads++;
    load.promise = runLoad(key, load, loader, ttlMs, keepMs);
    return load;
  }

  async function runLoad(
    key: string,
    load: Load,
    loader: Loader<unknown>,
    ttlMs: number,
    keepMs: number,
  ): Promise<Entry> {
    try {
      const value = await loader({ signal: load.controller.signal });
      const entry = makeEntry(load.userId, load.dataType, value, ttlMs, keepMs);
      // Only the key's current load may store: a cancelled one was overtaken by an invalidation.
      if (loads.get(key) === load) store(entry);
      return entry;
    } catch (error) {
      countersFor(load.dataType).loadErrors++;
      throw error;
    } finally {
      if (loads.get(key) === load) loads.delete(key);
    }
  }

  function staleFallback(
    userId: string,
    dataType: string,
    staleMs: number,
  ): { entry: Entry; ageMs: number } | undefined {
    if (staleMs === 0) return undefined;
    // Whatever the key holds now: an invalidated value is gone, so never served.
    const entry = entriesByUser.get(userId)?.get(dataType);
    if (entry === undefined) return undefined;
    const ageMs = clock.now() - entry.storedAt;
    if (isExpired(entry, ageMs + entry.storedAt)) return undefined;
    return ageMs <= entry.ttlMs + staleMs ? { entry, ageMs } : undefined;
  }

  /** Removes what matches (null = any) and cancels the matching loads; returns entries removed. */
  function removeMatching(userId: string | null, dataType: string | null): number {
    let removed = 0;
    if (userId === null && dataType === null) {
      removed = size;
      entriesByUser.clear();
      oldest = undefined;
      newest = undefined;
      size = 0;
    } else {
      const doomed: Entry[] = [];
      const users = userId === null ? entriesByUser.values() : [entriesByUser.get(userId) ?? new Map()];
      for (const entries of users) {
        if (dataType === null) doomed.push(...entries.values());
        else if (entries.has(dataType)) doomed.push(entries.get(dataType) as Entry);
      }
      for (const entry of doomed) remove(entry);
      removed = doomed.length;
    }
    for (const [key, load] of loads) {
      if ((userId === null || load.userId === userId) && (dataType === null || load.dataType === dataType)) {
        cancelLoad(key, load, "invalidated");
      }
    }
    return removed;
  }

  function invalidateHere(userId: string | null, dataType: string | null, origin: "local" | "bus"): number {
    const removed = removeMatching(userId, dataType);
    entryCounters.invalidations++;
    entryCounters.invalidatedEntries += removed;
    const event: InvalidationEvent = { userId, dataType, removed, origin };
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (error) {
        onError(error, "invalidate-listener");
      }
    }
    return removed;
  }

  async function publish(userId: string | null, dataType: string | null): Promise<void> {
    if (options.bus === undefined) return;
    try {
      await options.bus.publish({ origin: instanceId, userId, dataType });
    } catch (error) {
      // The local invalidation stands; other instances catch up when their entries expire.
      entryCounters.busErrors++;
      onError(error, "bus-publish");
    }
  }

  function isIdOrNull(value: unknown): boolean {
    return value === null || (typeof value === "string" && value.length > 0);
  }

  let leaveBus = options.bus?.subscribe((message: InvalidationMessage) => {
    if (message.origin === instanceId) return;
    if (!isIdOrNull(message.userId) || !isIdOrNull(message.dataType)) {
      onError(new TypeError(`not an invalidation: ${JSON.stringify(message)}`), "bus-message");
      return;
    }
    invalidateHere(message.userId, message.dataType, "bus");
  });

  /** A getOrLoad miss: join the key's load or start one, and fall back when it fails. */
  async function loadThrough<T>(
    request: Omit<LoadRequest<T>, "key">,
    counters: DataTypeCounters,
  ): Promise<LoadResult<T>> {
    const { userId, dataType, keepMs: staleMs } = request;
    const key = entryKey(userId, dataType);
    const start = () => startLoad({ ...request, key } as LoadRequest<unknown>);
    let load = loads.get(key);
    if (load === undefined) load = start();
    else counters.coalesced++;

    for (let attempt = 1; ; attempt++) {
      try {
        const loaded = await load.promise;
        return { value: loaded.value as T, fromCache: false, stale: false, storedAt: loaded.storedAt };
      } catch (error) {
        // The loader gave up because an invalidation cancelled it (e.g. it honours the
        // signal): that is not the caller's error, so load again (or join the newer load).
        if (load.cancelled && attempt < MAX_LOAD_ATTEMPTS) {
          // A value set meanwhile is the newest there is.
          const stored = readFresh(userId, dataType);
          if (stored !== undefined) {
            return { value: stored.value as T, fromCache: true, stale: false, storedAt: stored.storedAt };
          }
          load = loads.get(key) ?? start();
          continue;
        }
        const fallback = staleFallback(userId, dataType, staleMs);
        if (fallback === undefined) throw error;
        counters.staleServed++;
        // The callers see `stale`; the operator must see why, or an outage would go unnoticed.
        if (!load.staleReported) {
          load.staleReported = true;
          onError(error, "stale-if-error");
        }
        return {
          value: fallback.entry.value as T,
          fromCache: true,
          stale: true,
          ageMs: fallback.ageMs,
          storedAt: fallback.entry.storedAt,
        };
      }
    }
  }

  function cleanup(): number {
    const at = clock.now();
    let removed = 0;
    for (let entry = oldest; entry !== undefined; ) {
      const next = entry.newer; // read before expire() unlinks it
      if (isExpired(entry, at)) {
        expire(entry);
        removed++;
      }
      entry = next;
    }
    return removed;
  }

  return {
    instanceId,

    // get and getOrLoad are not `async`: a hit resolves an already-settled promise, which is
    // measurably cheaper on the hot path; argument errors still arrive as rejections.
    get<T>(userId: string, dataType: string): Promise<T | undefined> {
      try {
        requireId("userId", userId);
        requireId("dataType", dataType);
        const entry = readFresh(userId, dataType);
        const counters = entry?.counters ?? countersFor(dataType);
        counters.totalRequests++;
        if (entry === undefined) {
          counters.misses++;
          return Promise.resolve(undefined);
        }
        counters.hits++;
        entry.settled ??= Promise.resolve(entry.value);
        return entry.settled as Promise<T>;
      } catch (error) {
        return Promise.reject(error);
      }
    },

    async set<T>(userId: string, dataType: string, value: T, call?: EntryOptions): Promise<void> {
      const key = entryKey(requireId("userId", userId), requireId("dataType", dataType));
      const ttlMs = ttlOf(call);
      const staleMs = staleWindowOf(call);
      // A value set now is newer than whatever a running load would bring back.
      const running = loads.get(key);
      if (running !== undefined) cancelLoad(key, running, "overwritten");
      store(makeEntry(userId, dataType, value, ttlMs, staleMs));
    },

    getOrLoad<T>(
      userId: string,
      dataType: string,
      loader: Loader<T>,
      call?: EntryOptions,
    ): Promise<LoadResult<T>> {
      let ttlMs: number;
      let staleMs: number;
      let counters: DataTypeCounters;
      try {
        requireId("userId", userId);
        requireId("dataType", dataType);
        if (typeof loader !== "function") throw new TypeError("positions cache: loader must be a function");
        ttlMs = ttlOf(call);
        staleMs = staleWindowOf(call);
        const entry = readFresh(userId, dataType);
        counters = entry?.counters ?? countersFor(dataType);
        counters.totalRequests++;
        if (entry !== undefined) {
          counters.hits++;
          return Promise.resolve({
            value: entry.value as T,
            fromCache: true,
            stale: false,
            storedAt: entry.storedAt,
          });
        }
        counters.misses++;
      } catch (error) {
        return Promise.reject(error);
      }
      return loadThrough({ userId, dataType, loader, ttlMs, keepMs: staleMs }, counters);
    },

    async invalidate(userId: string, dataType?: string): Promise<number> {
      requireId("userId", userId);
      if (dataType !== undefined) requireId("dataType", dataType);
      const removed = invalidateHere(userId, dataType ?? null, "local");
      await publish(userId, dataType ?? null);
      return removed;
    },

    async invalidateAll(options?: { publish?: boolean }): Promise<number> {
      const removed = invalidateHere(null, null, "local");
      if (options?.publish !== false) await publish(null, null);
      return removed;
    },

    onInvalidate(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },

    getMetrics() {
      return snapshotMetrics(countersByType, entryCounters, { size, inFlight: loads.size });
    },

    cleanup,

    startCleanup() {
      if (cleanupTimer !== undefined) return;
      cleanupTimer = setInterval(() => {
        try {
          cleanup();
        } catch (error) {
          onError(error, "cleanup");
        }
      }, cleanupIntervalMs);
      // The cleanup task alone must not keep the process alive.
      cleanupTimer.unref?.();
    },

    stop() {
      if (cleanupTimer !== undefined) clearInterval(cleanupTimer);
      cleanupTimer = undefined;
      leaveBus?.();
      leaveBus = undefined;
    },
  };
}
