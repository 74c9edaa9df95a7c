/**
 * Positions cache benchmark (not a test): `pnpm bench` in packages/core.
 * - hit path: cache.getOrLoad / cache.get against an awaited bare Map lookup and a bare
 *   lru-cache get, all in the same run; each iteration does BATCH lookups so that timer
 *   overhead does not dominate
 * - cold-key stampede: 1,000 concurrent getOrLoad callers on a cold key -> loader runs
 * - memory: heap growth for 100,000 entries
 * Prints a table and writes it to bench/results.md.
 */
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { setImmediate as nextTurn } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { LRUCache } from "lru-cache";
import { Bench } from "tinybench";
import { sharedClock } from "../src/cache/clock.ts";
import { entryKey } from "../src/cache/entry-key.ts";
import { BALANCES_SUMMARY, createPositionsCache, exactClock } from "../src/cache/index.ts";
import { table } from "./markdown-table.ts";

const BATCH = 1_000;
const ROUNDS = 5;
const USERS = 1_000;
const userIds = Array.from({ length: USERS }, (_, i) => `user-${i}`);
const summary = { accounts: [], positions: [] };

/** The cache's own clock, as the default one: read here to say whether it vouched throughout. */
const clock = sharedClock();
let roundsVouched = 0;

async function hitPath(): Promise<{ name: string; opsPerSec: number; rme: number }[]> {
  const map = new Map<string, object>();
  const lru = new LRUCache<string, object>({ max: 100_000, ttl: 60_000, ttlResolution: 0 });
  const cache = createPositionsCache({ ttlMs: 60_000, clock });
  // The same cache reading Date.now() on every hit: what the shared clock saves.
  const exact = createPositionsCache({ ttlMs: 60_000, clock: exactClock(Date.now) });
  for (const userId of userIds) {
    const key = entryKey(userId, BALANCES_SUMMARY);
    map.set(key, summary);
    lru.set(key, summary);
    await cache.set(userId, BALANCES_SUMMARY, summary);
    await exact.set(userId, BALANCES_SUMMARY, summary);
  }
  clock.upperBound(); // starts its worker
  await clock.ticks(2);
  const loader = () => summary;
  const prebuiltKeys = userIds.map((userId) => entryKey(userId, BALANCES_SUMMARY));
  // The strict baseline looks up prebuilt keys; the cache is handed (userId, dataType) on
  // every call, so the second row shows what building a key per call costs a bare Map.
  const tasks: [string, () => unknown][] = [
    [
      "awaited Map.get, prebuilt keys (baseline)",
      async () => {
        for (let i = 0; i < BATCH; i++) await map.get(prebuiltKeys[i % USERS]!);
      },
    ],
    [
      "awaited Map.get, key built per call",
      async () => {
        for (let i = 0; i < BATCH; i++) await map.get(entryKey(userIds[i % USERS]!, BALANCES_SUMMARY));
      },
    ],
    [
      "bare lru-cache get, prebuilt keys (sync)",
      () => {
        for (let i = 0; i < BATCH; i++) lru.get(prebuiltKeys[i % USERS]!);
      },
    ],
    [
      "cache.get (hit)",
      async () => {
        for (let i = 0; i < BATCH; i++) await cache.get(userIds[i % USERS]!, BALANCES_SUMMARY);
      },
    ],
    [
      "cache.getOrLoad (hit)",
      async () => {
        for (let i = 0; i < BATCH; i++) await cache.getOrLoad(userIds[i % USERS]!, BALANCES_SUMMARY, loader);
      },
    ],
    // Written out rather than made by one helper for both caches: a row of its own keeps each
    // call site seeing one cache, as a server's does.
    [
      "cache.get (hit), exact clock",
      async () => {
        for (let i = 0; i < BATCH; i++) await exact.get(userIds[i % USERS]!, BALANCES_SUMMARY);
      },
    ],
    [
      "cache.getOrLoad (hit), exact clock",
      async () => {
        for (let i = 0; i < BATCH; i++) await exact.getOrLoad(userIds[i % USERS]!, BALANCES_SUMMARY, loader);
      },
    ],
    [
      "Date.now() alone (sync)",
      () => {
        let sum = 0;
        for (let i = 0; i < BATCH; i++) sum += Date.now();
        return sum;
      },
    ],
    [
      "shared clock's upperBound() alone (sync)",
      () => {
        let sum = 0;
        for (let i = 0; i < BATCH; i++) sum += clock.upperBound();
        return sum;
      },
    ],
  ];
  // Several rounds (a Bench runs once, so one per round), each task's median kept: the
  // machine may be shared and noisy. iterations: 0 = bounded by time only.
  const rounds: { name: string; opsPerSec: number; rme: number }[][] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({ time: 500, warmupTime: 100, iterations: 0 });
    for (const [name, fn] of tasks) bench.add(name, fn);
    const vouchedBefore = clock.upperBound() !== Number.POSITIVE_INFINITY;
    await bench.run();
    if (vouchedBefore && clock.upperBound() !== Number.POSITIVE_INFINITY) roundsVouched++;
    rounds.push(
      bench.tasks.map((task) => {
        const result = task.result;
        if (result.state !== "completed") throw new Error(`${task.name}: ${result.state}`);
        return { name: task.name, opsPerSec: (BATCH * 1000) / result.period, rme: result.latency.rme };
      }),
    );
  }
  for (const measured of [cache, exact]) {
    const { misses } = measured.getMetrics();
    if (misses !== 0) throw new Error(`hit-path benchmark missed ${misses} times`);
  }
  return tasks.map((_, i) => {
    const sorted = rounds.map((r) => r[i]!).sort((x, y) => x.opsPerSec - y.opsPerSec);
    return sorted[Math.floor(sorted.length / 2)]!;
  });
}

async function stampede(): Promise<{ callers: number; keys: number; loaderRuns: number; coalesced: number }> {
  const cache = createPositionsCache();
  let loaderRuns = 0;
  const loader = async () => {
    loaderRuns++;
    await nextTurn(); // a real asynchronous boundary, like a database round trip
    return summary;
  };
  const callers = 1_000;
  const keys = 10;
  for (let k = 0; k < keys; k++) {
    await Promise.all(
      Array.from({ length: callers }, () => cache.getOrLoad(`cold-${k}`, BALANCES_SUMMARY, loader)),
    );
  }
  return { callers, keys, loaderRuns, coalesced: cache.getMetrics().coalesced };
}

function collectGarbage(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

async function memory(): Promise<{ entries: number; cacheBytes: number; mapBytes: number }> {
  const gc = collectGarbage();
  const entries = 100_000;
  const measure = async (fill: () => Promise<unknown>) => {
    gc();
    const before = process.memoryUsage().heapUsed;
    const kept = await fill();
    gc();
    const bytes = process.memoryUsage().heapUsed - before;
    if (kept === undefined) throw new Error("nothing kept");
    return bytes;
  };
  // The same values in both: what is measured is the structure around them.
  const cacheBytes = await measure(async () => {
    const cache = createPositionsCache({ maxEntries: entries });
    for (let i = 0; i < entries; i++) await cache.set(`user-${i}`, BALANCES_SUMMARY, summary);
    if (cache.getMetrics().size !== entries) throw new Error("entries were evicted");
    return cache;
  });
  const mapBytes = await measure(async () => {
    const map = new Map<string, object>();
    for (let i = 0; i < entries; i++) map.set(entryKey(`user-${i}`, BALANCES_SUMMARY), summary);
    return map;
  });
  return { entries, cacheBytes, mapBytes };
}

function formatOps(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(0)} k`;
}

const loadBefore = loadavg()[0]!;
const hits = await hitPath();
const loadAfter = loadavg()[0]!;
const storm = await stampede();
const mem = await memory();

const baseline = hits[0]!.opsPerSec;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const lines = [
  "# Positions cache benchmark",
  "",
  `Node ${process.version}, ${new Date().toISOString()}; ${BATCH} lookups per iteration over ${USERS} users; median of ${ROUNDS} rounds; load average ${loadBefore.toFixed(1)} before the hit path, ${loadAfter.toFixed(1)} after; the shared clock vouched throughout ${roundsVouched} of ${ROUNDS} rounds.`,
  "",
  ...table(
    ["hit path", "ops/s", "± %", "time per op vs baseline"],
    hits.map((h) => [
      h.name,
      formatOps(h.opsPerSec),
      h.rme.toFixed(1),
      `${(baseline / h.opsPerSec).toFixed(2)}x`,
    ]),
  ),
  "",
  ...table(
    ["cold-key stampede", ""],
    [
      ["concurrent callers per key", String(storm.callers)],
      ["cold keys", String(storm.keys)],
      ["loader runs", String(storm.loaderRuns)],
      ["coalesced waits", String(storm.coalesced)],
    ],
  ),
  "",
  ...table(
    ["memory (heap growth)", "total", "per entry"],
    [
      [
        `positions cache, ${mem.entries.toLocaleString("en")} entries`,
        mib(mem.cacheBytes),
        `${Math.round(mem.cacheBytes / mem.entries)} B`,
      ],
      ["bare Map, same keys", mib(mem.mapBytes), `${Math.round(mem.mapBytes / mem.entries)} B`],
    ],
  ),
  "",
];
const report = lines.join("\n");
console.log(report);
writeFileSync(new URL("./results.md", import.meta.url), report);
