/**
 * Dashboard benchmark (not a test): what the positions cache buys the product, side by side in
 * one run on the same seeded database and simulated exchange.
 * - time per `balances.read` for a cache hit vs a miss (exchange latency 0, so the difference is
 *   our own work: SQL + snapshot), and vs a miss with a REST-like exchange latency (120 ms)
 * - exchange request weight of a polling dashboard: U users x 2 tabs, each refetching every 5 s
 *   for 10 simulated minutes, with the 3 s cache and without it (deterministic counts)
 * Prints tables and writes them to bench/dashboard-results.md.
 */
import { writeFileSync } from "node:fs";
import { migrate, openDatabase, seed } from "@tradedesk/db";
import { Bench } from "tinybench";
import { BALANCES_SUMMARY, createPositionsCache } from "../src/cache/index.ts";
import { createTradingDesk, loadInitialBook } from "../src/domain/index.ts";
import { createSimulatedExchange } from "../src/exchange/simulated/index.ts";

const db = await openDatabase({ url: "memory://" });
await migrate(db);
await seed(db.prisma);
const demo = await db.prisma.user.findUniqueOrThrow({ where: { email: "demo@example.com" } });
const users = await db.prisma.user.findMany({ select: { id: true } });

async function deskWith(options: { latencyMs: number; ttlMs: number; now?: () => number }) {
  const exchange = createSimulatedExchange({
    seed: 1,
    latencyMs: options.latencyMs,
    priceTickMs: 0,
    initialBook: loadInitialBook(db.prisma),
  });
  const cache = createPositionsCache({ ttlMs: options.ttlMs, ...(options.now ? { now: options.now } : {}) });
  const desk = createTradingDesk({
    prisma: db.prisma,
    cache,
    gateways: { SIMULATED: exchange },
    ...(options.now ? { now: () => new Date(options.now!()) } : {}),
  });
  return {
    exchange,
    cache,
    desk,
    close: async () => {
      cache.stop();
      await exchange.close();
    },
  };
}

// 1. time per read
const fast = await deskWith({ latencyMs: 0, ttlMs: 60_000 });
const slow = await deskWith({ latencyMs: 120, ttlMs: 60_000 });
await fast.desk.balances.read(demo.id);
const bench = new Bench({ time: 2_000, warmupTime: 300 });
bench
  .add("balances.read, cache hit", async () => {
    await fast.desk.balances.read(demo.id);
  })
  .add("balances.read, cache miss (exchange latency 0)", async () => {
    await fast.cache.invalidate(demo.id, BALANCES_SUMMARY);
    await fast.desk.balances.read(demo.id);
  })
  .add("balances.read, cache miss (exchange latency 120 ms)", async () => {
    await slow.cache.invalidate(demo.id, BALANCES_SUMMARY);
    await slow.desk.balances.read(demo.id);
  });
await bench.run();
const meanMs = bench.tasks.map((task) => {
  const result = task.result;
  if (result.state !== "completed") throw new Error(`${task.name}: ${result.state}`);
  return result.latency.mean;
});
const readRows = bench.tasks.map(
  (task, i) => `| ${task.name} | ${meanMs[i]!.toFixed(3)} ms | ${(meanMs[i]! / meanMs[0]!).toFixed(1)}x |`,
);
await fast.close();
await slow.close();

// 2. exchange weight of polling tabs, on a simulated clock
async function pollingWeight(ttlMs: number) {
  let clock = Date.parse("2026-11-24T10:00:00.000Z");
  const run = await deskWith({ latencyMs: 0, ttlMs, now: () => clock });
  const tabs = users.flatMap((user, u) =>
    [0, 1].map((tab) => ({ userId: user.id, offsetMs: (u * 700 + tab * 2_300) % 5_000 })),
  );
  run.exchange.resetStats();
  const durationMs = 10 * 60_000;
  for (let t = 0; t < durationMs; t += 100) {
    clock += 100;
    for (const tab of tabs)
      if (t % 5_000 === tab.offsetMs - (tab.offsetMs % 100)) await run.desk.balances.read(tab.userId);
  }
  const stats = run.exchange.stats();
  await run.close();
  return { reads: tabs.length * (durationMs / 5_000), stats };
}
const cached = await pollingWeight(3_000);
const uncached = await pollingWeight(1); // 1 ms: every poll misses (the clock moves 100 ms a step)
const snapshotCalls = (s: typeof cached.stats) => s.calls.getAccountSnapshot ?? 0;

const table = [
  "# Dashboard benchmark",
  "",
  `Node ${process.version}, ${new Date().toISOString()}; seeded database (${users.length} users), in-memory PGlite, simulated exchange.`,
  "",
  "| balances.read | mean time | vs cache hit |",
  "| --- | ---: | ---: |",
  ...readRows,
  "",
  `Polling dashboard: ${users.length} users x 2 tabs, refetch every 5 s, 10 simulated minutes (${cached.reads} reads).`,
  "",
  "| | account snapshots | total request weight | weight per minute |",
  "| --- | ---: | ---: | ---: |",
  `| with the 3 s cache | ${snapshotCalls(cached.stats)} | ${cached.stats.weight} | ${(cached.stats.weight / 10).toFixed(0)} |`,
  `| without a cache | ${snapshotCalls(uncached.stats)} | ${uncached.stats.weight} | ${(uncached.stats.weight / 10).toFixed(0)} |`,
  "",
  "Mark prices are fetched on every read in both rows (prices are never cached).",
  "",
].join("\n");
console.log(table);
writeFileSync(new URL("./dashboard-results.md", import.meta.url), table);
await db.close();
