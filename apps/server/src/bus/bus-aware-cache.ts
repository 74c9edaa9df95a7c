import type { EntryOptions, PositionsCache } from "@tradedesk/core";

/**
 * The cache as served while the invalidation bus may be away. Up: unchanged. Down: other
 * instances' invalidations no longer reach us, so every entry stored from then on lives at most
 * `downTtlMs` (staleness stays within that, not the normal TTL); on each change of state the whole
 * local cache is dropped (going down: entries stored under the normal TTL go; coming back:
 * messages were lost meanwhile). Local drops only: the other instances decide for themselves.
 */
export interface BusAwareCache {
  cache: PositionsCache;
  /** Call on every bus state change; resolves once the local cache has been dropped. */
  setBusUp(up: boolean): Promise<number>;
  busUp(): boolean;
}

export function withBusAwareTtl(cache: PositionsCache, downTtlMs: number): BusAwareCache {
  let up = true;
  const capped = (options: EntryOptions | undefined): EntryOptions | undefined => {
    if (up) return options;
    const ttlMs = Math.min(options?.ttlMs ?? downTtlMs, downTtlMs);
    return { ...options, ttlMs };
  };
  return {
    cache: {
      ...cache,
      instanceId: cache.instanceId,
      set: (userId, dataType, value, options) => cache.set(userId, dataType, value, capped(options)),
      getOrLoad: (userId, dataType, loader, options) =>
        cache.getOrLoad(userId, dataType, loader, capped(options)),
    },
    async setBusUp(next) {
      if (next === up) return 0;
      up = next;
      return cache.invalidateAll({ publish: false });
    },
    busUp: () => up,
  };
}
