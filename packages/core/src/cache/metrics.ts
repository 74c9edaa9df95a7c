/** Request counters of one data type; the cache keeps one set per data type it has served. */
export interface DataTypeCounters {
  totalRequests: number;
  hits: number;
  misses: number;
  loads: number;
  loadErrors: number;
  coalesced: number;
  staleServed: number;
}

export interface DataTypeMetrics extends DataTypeCounters {
  /** hits / totalRequests, 0 when there were none. */
  hitRate: number;
}

/** Counters of what happened to entries, whatever their data type. */
export interface EntryCounters {
  /** Invalidation operations (local or from the bus), including those that removed nothing. */
  invalidations: number;
  /** Entries those invalidations removed. */
  invalidatedEntries: number;
  /** Entries dropped as least recently used to stay within maxEntries. */
  evictions: number;
  /** Expired entries removed, by the cleanup task or by a read that found them expired. */
  expired: number;
  /** Invalidations that could not be published on the bus. */
  busErrors: number;
}

export interface CacheMetrics extends DataTypeMetrics, EntryCounters {
  /** Entries held now, including expired ones not removed yet. */
  size: number;
  /** Loads running now. */
  inFlight: number;
  byDataType: Record<string, DataTypeMetrics>;
}

export function emptyDataTypeCounters(): DataTypeCounters {
  return { totalRequests: 0, hits: 0, misses: 0, loads: 0, loadErrors: 0, coalesced: 0, staleServed: 0 };
}

export function emptyEntryCounters(): EntryCounters {
  return { invalidations: 0, invalidatedEntries: 0, evictions: 0, expired: 0, busErrors: 0 };
}

function withHitRate(counters: DataTypeCounters): DataTypeMetrics {
  return {
    ...counters,
    hitRate: counters.totalRequests === 0 ? 0 : counters.hits / counters.totalRequests,
  };
}

/** A snapshot: the totals are the sums over the data types, so they cannot disagree. */
export function snapshotMetrics(
  byDataType: ReadonlyMap<string, DataTypeCounters>,
  entries: EntryCounters,
  gauges: { size: number; inFlight: number },
): CacheMetrics {
  const totals = emptyDataTypeCounters();
  const perType: Record<string, DataTypeMetrics> = {};
  for (const [dataType, counters] of byDataType) {
    perType[dataType] = withHitRate(counters);
    for (const name of Object.keys(totals) as (keyof DataTypeCounters)[]) {
      totals[name] += counters[name];
    }
  }
  return { ...withHitRate(totals), ...entries, ...gauges, byDataType: perType };
}
