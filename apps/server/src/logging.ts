import type { PositionsCache } from "@tradedesk/core";
import pino, { type Logger } from "pino";
import type { LogLevel } from "./config.ts";

/** JSON logs (pino); pretty when a person watches the terminal. */
export function createLogger(level: LogLevel, pretty: boolean): Logger {
  return pino({
    level,
    ...(pretty ? { transport: { target: "pino-pretty", options: { translateTime: "HH:MM:ss.l" } } } : {}),
  });
}

/**
 * The cache as the desk uses it, with every read and invalidation logged at debug level
 * (hits and misses are the figures one tunes the TTL by). Nothing else changes.
 */
export function withCacheLogging(cache: PositionsCache, logger: Logger): PositionsCache {
  const log = logger.child({ component: "cache" });
  cache.onInvalidate((event) => log.debug(event, "cache invalidation"));
  return {
    ...cache,
    instanceId: cache.instanceId,
    async get(userId, dataType) {
      const value = await cache.get(userId, dataType);
      log.debug(
        { userId, dataType, hit: value !== undefined },
        value === undefined ? "cache miss" : "cache hit",
      );
      return value as never;
    },
    async getOrLoad(userId, dataType, loader, options) {
      const result = await cache.getOrLoad(userId, dataType, loader, options);
      log.debug(
        { userId, dataType, hit: result.fromCache, stale: result.stale },
        result.fromCache ? "cache hit" : "cache miss",
      );
      return result;
    },
  };
}
