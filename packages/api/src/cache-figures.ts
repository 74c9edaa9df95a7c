import type { TradingDesk } from "@tradedesk/core";

/**
 * A trader's own cache figures. The cache counts for the whole server (other traders' activity
 * included), so what a trader is shown is counted here, from their own reads and invalidations.
 */
export interface UserCacheFigures {
  scope: "user";
  totalRequests: number;
  hits: number;
  misses: number;
  staleServed: number;
  hitRate: number;
  /** Invalidations of the caller's data: their mutations, exchange events, cache.invalidate. */
  invalidations: number;
  /** The caller's entries in the cache as far as this server knows (0 or 1: one data type). */
  size: number;
}

interface Counters {
  totalRequests: number;
  hits: number;
  misses: number;
  staleServed: number;
  invalidations: number;
  cached: boolean;
}

/** Users counted at most; the least recently active are forgotten beyond it. */
const MAX_USERS = 10_000;

export interface CacheFiguresTracker {
  read(userId: string, result: { fromCache: boolean; stale: boolean }): void;
  of(userId: string): UserCacheFigures;
}

const trackers = new WeakMap<TradingDesk, CacheFiguresTracker>();

/** One tracker per desk: every context of a server counts into the same figures. */
export function cacheFiguresOf(desk: TradingDesk): CacheFiguresTracker {
  let tracker = trackers.get(desk);
  if (!tracker) {
    tracker = createTracker(desk);
    trackers.set(desk, tracker);
  }
  return tracker;
}

function createTracker(desk: TradingDesk): CacheFiguresTracker {
  const byUser = new Map<string, Counters>();
  const countersOf = (userId: string): Counters => {
    let counters = byUser.get(userId);
    if (counters) byUser.delete(userId); // re-inserted last: Map order is recency
    counters ??= {
      totalRequests: 0,
      hits: 0,
      misses: 0,
      staleServed: 0,
      invalidations: 0,
      cached: false,
    };
    byUser.set(userId, counters);
    if (byUser.size > MAX_USERS) byUser.delete(byUser.keys().next().value as string);
    return counters;
  };
  // Every invalidation (a mutation, an exchange event, another instance, cache.invalidate)
  // empties the user's entry.
  const invalidated = (counters: Counters) => {
    counters.invalidations += 1;
    counters.cached = false;
  };
  desk.onUserDataChanged((userId) => {
    if (userId === null) for (const counters of byUser.values()) invalidated(counters);
    else invalidated(countersOf(userId));
  });
  return {
    read(userId, result) {
      const counters = countersOf(userId);
      counters.totalRequests += 1;
      if (result.fromCache) counters.hits += 1;
      else counters.misses += 1;
      if (result.stale) counters.staleServed += 1;
      counters.cached = true;
    },
    of(userId) {
      const c = byUser.get(userId);
      if (!c) {
        return {
          scope: "user",
          totalRequests: 0,
          hits: 0,
          misses: 0,
          staleServed: 0,
          hitRate: 0,
          invalidations: 0,
          size: 0,
        };
      }
      return {
        scope: "user",
        totalRequests: c.totalRequests,
        hits: c.hits,
        misses: c.misses,
        staleServed: c.staleServed,
        hitRate: c.totalRequests === 0 ? 0 : c.hits / c.totalRequests,
        invalidations: c.invalidations,
        size: c.cached ? 1 : 0,
      };
    },
  };
}
