import { createPositionsCache } from "@tradedesk/core";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { withCacheLogging } from "./logging.ts";

function capture(level: "debug" | "info") {
  const lines: { level: number; msg: string; userId?: string; hit?: boolean }[] = [];
  const logger = pino({ level }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const raw = createPositionsCache({ ttlMs: 60_000 });
  return { lines, cache: withCacheLogging(raw, logger) };
}

describe("cache logging", () => {
  it("logs hits, misses and invalidations at debug level", async () => {
    const { lines, cache } = capture("debug");
    await cache.getOrLoad("user-1", "balances_summary", async () => "summary");
    await cache.getOrLoad("user-1", "balances_summary", async () => "summary");
    await cache.get("user-1", "balances_summary");
    await cache.invalidate("user-1");
    const debug = pino.levels.values.debug;
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [debug, "cache miss"],
      [debug, "cache hit"],
      [debug, "cache hit"],
      [debug, "cache invalidation"],
    ]);
    expect(lines[0]).toMatchObject({ userId: "user-1", hit: false });
  });

  it("is silent at info level, where requests are logged", async () => {
    const { lines, cache } = capture("info");
    await cache.getOrLoad("user-1", "balances_summary", async () => "summary");
    await cache.invalidate("user-1");
    expect(lines).toEqual([]);
  });
});
