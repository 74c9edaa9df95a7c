export { type CacheClock, exactClock } from "./clock.ts";
export {
  createLocalInvalidationBus,
  type InvalidationBus,
  type InvalidationMessage,
} from "./invalidation-bus.ts";
export type { CacheMetrics, DataTypeMetrics } from "./metrics.ts";
export {
  BALANCES_SUMMARY,
  type CacheErrorSource,
  createPositionsCache,
  DEFAULT_CLEANUP_INTERVAL_MS,
  DEFAULT_MAX_ENTRIES,
  DEFAULT_TTL_MS,
  type EntryOptions,
  type InvalidationEvent,
  type LoadContext,
  type Loader,
  type LoadResult,
  type PositionsCache,
  type PositionsCacheOptions,
} from "./positions-cache.ts";
