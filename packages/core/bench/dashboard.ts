/**
 * Dashboard workload benchmark (not a test): the exchange request weight a watching desk spends,
 * side by side in one run on the same seeded database and simulated exchange (which weighs every
 * call as Binance does), on a simulated clock.
 *
 * Workload: U users x 3 tabs, each tab reading balances every 5 s; each user places or closes a
 * position once a minute; the market ticks every second; 3 simulated minutes. Three desks:
 * - "no cache, no streams": every read loads a REST snapshot and REST mark prices (the first
 *   version with its cache off);
 * - "3 s cache, no streams": the first version (REST prices on every read, snapshots per TTL);
 * - "3 s cache + streams": the account's event stream keeps balances, the all-market stream
 *   keeps prices (REST only to seed, refresh a stale symbol, or repair).
 * Checked on every read: the structural data is never older than the TTL, no price older than
 * the feed's bound goes unflagged, and a user's read after their own mutation shows it
 * (read-your-writes). Also: time per read (cache hit vs miss). Writes bench/dashboard-results.md.
 */
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { migrate, openDatabase } from "@tradedesk/db";
import Decimal from "decimal.js";
import { Bench } from "tinybench";
import { BALANCES_SUMMARY, createPositionsCache, exactClock } from "../src/cache/index.ts";
import { createTradingDesk } from "../src/domain/index.ts";
import type { ExchangeGateway } from "../src/exchange/gateway.ts";
import { createSimulatedExchange, REQUEST_WEIGHT } from "../src/exchange/simulated/index.ts";

const USERS = 20;
const TABS = 3;
const MINUTES = 4;
/** The first minute seeds what the streams keep (one snapshot per account, cold prices): measured apart. */
const WARMUP_MINUTES = 1;
const POLL_MS = 5_000;
const TTL_MS = 3_000;
const BUDGET = 2_400;
/** Reconciliation's fixed share of the budget (RECONCILE_WEIGHT_PER_MINUTE), set aside. */
const RECONCILE_SHARE = 240;

const db = await openDatabase({ url: "memory://" });
await migrate(db);
const users = await Promise.all(
  Array.from({ length: USERS }, (_, index) =>
    db.prisma.user.create({
      data: {
        email: `bench${index}@example.com`,
        passwordHash: "x",
        accounts: { create: { exchange: "SIMULATED", label: "Simulated" } },
      },
      include: { accounts: true },
    }),
  ),
);

type Mode = "no cache, no streams" | "3 s cache, no streams" | "3 s cache + streams";

async function run(mode: Mode) {
  let clock = Date.parse("2026-11-30T10:00:00.000Z");
  const now = () => clock;
  const streams = mode === "3 s cache + streams";
  const exchange = createSimulatedExchange({
    seed: 1,
    latencyMs: 0,
    priceTickMs: 0,
    timers: {
      setTimeout: (callback, ms) => setTimeout(callback, ms),
      clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
      setInterval: (callback, ms) => setInterval(callback, ms),
      clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
      now,
    },
  });
  // Without streams no tick reaches the desk: every read's prices come over REST.
  const gateway: ExchangeGateway = streams
    ? exchange
    : { ...exchange, subscribeAllMarkPrices: () => () => {} };
  const cache = createPositionsCache({
    ttlMs: mode === "no cache, no streams" ? 1 : TTL_MS,
    clock: exactClock(now),
  });
  const desk = createTradingDesk({
    prisma: db.prisma,
    cache,
    gateways: { SIMULATED: gateway },
    now: () => new Date(clock),
    logger: { warn: () => {}, error: () => {} },
    markPriceMaxAgeMs: streams ? 5_000 : 0,
    reconcile: { setTimeout: () => null, clearTimeout: () => {} },
  });
  if (streams) await desk.accountEvents.start();
  // The bench's own view of the market (not counted as the desk's requests).
  let lastEth = new Decimal(3400);
  exchange.subscribeAllMarkPrices((tick) => {
    if (tick.symbol === "ETHUSDT") lastEth = tick.markPrice;
  });
  exchange.resetStats();

  const tabs = users.flatMap((user, u) =>
    Array.from({ length: TABS }, (_, tab) => ({ user, offsetMs: (u * 730 + tab * 1_700) % POLL_MS })),
  );
  const expectOpen = new Map<string, boolean>();
  let reads = 0;
  let tooOld = 0;
  let unflaggedStalePrices = 0;
  let readYourWritesViolations = 0;
  let mutations = 0;
  let warmup = exchange.stats();
  for (let t = 0; t < (WARMUP_MINUTES + MINUTES) * 60_000; t += 100) {
    clock += 100;
    if (t === WARMUP_MINUTES * 60_000) {
      warmup = exchange.stats();
      exchange.resetStats();
    }
    if (t % 1_000 === 0) await exchange.tick();
    for (const [u, user] of users.entries()) {
      if (t % 60_000 !== (u * 2_900) % 60_000) continue;
      const accountId = user.accounts[0]!.id;
      const open = await db.prisma.position.findFirst({ where: { accountId, status: "OPEN" } });
      if (open) await desk.positions.close(user.id, { positionId: open.id, clientOrderId: randomUUID() });
      else {
        const mark = lastEth;
        await desk.orders.create(user.id, {
          accountId,
          clientOrderId: randomUUID(),
          symbol: "ETHUSDT",
          side: "BUY",
          type: "MARKET",
          quantity: new Decimal("0.5"),
          stopLoss: mark.mul(0.9).toDecimalPlaces(2),
        });
      }
      mutations++;
      expectOpen.set(user.id, !open);
    }
    for (const tab of tabs) {
      if (t % POLL_MS !== tab.offsetMs - (tab.offsetMs % 100)) continue;
      const read = await desk.balances.read(tab.user.id);
      reads++;
      if (read.ageMs > TTL_MS) tooOld++;
      for (const position of read.data.positions) {
        if (position.markPriceAgeMs !== null && position.markPriceAgeMs > 5_000 && !position.markPriceStale)
          unflaggedStalePrices++;
      }
      const wanted = expectOpen.get(tab.user.id);
      if (wanted !== undefined && wanted !== read.data.positions.length > 0) readYourWritesViolations++;
    }
  }
  await desk.accountEvents.idle();
  const stats = exchange.stats();
  desk.accountEvents.stop();
  cache.stop();
  await exchange.close();
  // Leave every user flat for the next mode.
  await db.prisma.order.deleteMany({});
  await db.prisma.position.deleteMany({});
  await db.prisma.simulatedBook.deleteMany({});
  return { mode, stats, warmup, reads, tooOld, unflaggedStalePrices, readYourWritesViolations, mutations };
}

const results = [];
for (const mode of ["no cache, no streams", "3 s cache, no streams", "3 s cache + streams"] as const) {
  results.push(await run(mode));
}

const userMinutes = USERS * MINUTES;
const kinds: [string, (calls: Record<string, number>) => number][] = [
  ["account snapshots", (c) => (c.getAccountSnapshot ?? 0) * REQUEST_WEIGHT.getAccountSnapshot],
  ["mark prices (REST)", (c) => (c.getMarkPrices ?? 0) * 1],
  ["orders, look-ups, cancels", (c) => (c.getOrder ?? 0) * REQUEST_WEIGHT.getOrder + (c.cancelOrders ?? 0)],
  ["trade history", (c) => (c.getTrades ?? 0) * REQUEST_WEIGHT.getTrades],
  ["exchange rules", (c) => (c.getExchangeRules ?? 0) * REQUEST_WEIGHT.getExchangeRules],
];
const perUserMinute = (weight: number) => weight / userMinutes;
const usersPerBudget = (weight: number) =>
  weight === 0 ? Number.POSITIVE_INFINITY : Math.floor((BUDGET - RECONCILE_SHARE) / perUserMinute(weight));
const baseline = results[0]!.stats.weight;
const weightRows = results.map((r) => {
  const byKind = kinds.map(([, of]) => perUserMinute(of(r.stats.calls)).toFixed(2));
  return `| ${r.mode} | ${byKind.join(" | ")} | ${perUserMinute(r.stats.weight).toFixed(2)} | ${(
    100 * (1 - r.stats.weight / baseline)
  ).toFixed(1)}% | ${usersPerBudget(r.stats.weight).toLocaleString("en")} |`;
});
const checkRows = results.map(
  (r) =>
    `| ${r.mode} | ${r.reads} | ${r.mutations} | ${r.tooOld} | ${r.unflaggedStalePrices} | ${r.readYourWritesViolations} |`,
);

// Time per read: a cache hit, and a miss (database + the stream-kept balances + feed prices).
let clock = Date.now();
const exchange = createSimulatedExchange({ seed: 1, latencyMs: 0, priceTickMs: 0 });
const cache = createPositionsCache({ ttlMs: 60_000, clock: exactClock(() => clock) });
const desk = createTradingDesk({
  prisma: db.prisma,
  cache,
  gateways: { SIMULATED: exchange },
  now: () => new Date(clock),
});
await desk.accountEvents.start();
const reader = users[0]!;
await desk.orders.create(reader.id, {
  accountId: reader.accounts[0]!.id,
  clientOrderId: randomUUID(),
  symbol: "BTCUSDT",
  side: "BUY",
  type: "MARKET",
  quantity: new Decimal("0.01"),
});
await desk.balances.read(reader.id);
const bench = new Bench({ time: 2_000, warmupTime: 300 });
bench
  .add("balances.read, cache hit", async () => {
    await desk.balances.read(reader.id);
  })
  .add("balances.read, cache miss (streams keep balances and prices)", async () => {
    await cache.invalidate(reader.id, BALANCES_SUMMARY);
    await desk.balances.read(reader.id);
  });
await bench.run();
const means = bench.tasks.map((task) => {
  if (task.result.state !== "completed") throw new Error(`${task.name}: ${task.result.state}`);
  return task.result.latency.mean;
});
const readRows = bench.tasks.map(
  (task, i) => `| ${task.name} | ${means[i]!.toFixed(3)} ms | ${(means[i]! / means[0]!).toFixed(1)}x |`,
);
desk.accountEvents.stop();
cache.stop();
await exchange.close();
clock = 0;

const table = [
  "# Dashboard benchmark",
  "",
  `Node ${process.version}, ${cpus().length} cores, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(
      " / ",
    )}, ${new Date().toISOString()}; in-memory PGlite, simulated exchange weighing calls as Binance does.`,
  "",
  `Workload: ${USERS} users x ${TABS} tabs reading balances every ${POLL_MS / 1000} s, one order or close per user per minute, the market ticking every second; ${WARMUP_MINUTES} simulated minute of warm-up, then ${MINUTES} measured.`,
  "",
  `Request weight per user-minute, by kind; watching users one ${BUDGET.toLocaleString("en")} weight/min IP budget serves after reconciliation's ${RECONCILE_SHARE}:`,
  "",
  `| desk | ${kinds.map(([name]) => name).join(" | ")} | all kinds | below no-cache | users per budget |`,
  `| --- | ${kinds.map(() => "---:").join(" | ")} | ---: | ---: | ---: |`,
  ...weightRows,
  "",
  `Warm-up (first minute: seeding the streams' state, cold prices), weight per user: ${results
    .map((r) => `${r.mode} ${(r.warmup.weight / USERS).toFixed(1)}`)
    .join("; ")}.`,
  "",
  "Checks on every read:",
  "",
  "| desk | reads | mutations | older than the TTL | stale price not flagged | read-your-writes violations |",
  "| --- | ---: | ---: | ---: | ---: | ---: |",
  ...checkRows,
  "",
  "| balances.read | mean time | vs cache hit |",
  "| --- | ---: | ---: |",
  ...readRows,
  "",
].join("\n");
console.log(table);
writeFileSync(new URL("./dashboard-results.md", import.meta.url), table);
await db.close();
