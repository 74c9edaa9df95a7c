/**
 * History at scale (not a test; PostgreSQL only): the desk's dashboard and history queries over a
 * generated history (default 10 million orders over 24 months for 1,000 users), p50 / p99 per
 * query, side by side in one run:
 * - orders partitioned by month (the schema the migrations make) vs NOT partitioned (a copy of the
 *   same rows in one plain table with the indexes it had before partitioning);
 * - the history reads (the daily PnL over 90 days and the whole history, the whole history's
 *   summary) from the materialized views, the days since their refresh live, vs the same reads
 *   aggregated live (no refresh recorded: the desk then aggregates every day from positions and
 *   orders); each as the desk's call, and its statements again in the database.
 * The queries are the desk's own (desk.orders.list..., findUserBook), so what is measured is what
 * the API runs. Samples alternate schemas so that load drifts hit both alike.
 *
 * pnpm --filter @tradedesk/core bench:history [--users 1000] [--orders 10_000_000] [--months 24]
 *   [--samples 300] [--url postgres://postgres@127.0.0.1:5432/tradedesk_bench] [--fresh]
 * The data is kept in schemas bench_partitioned / bench_plain / bench_live of that database and
 * reused by the next run with the same sizes (--fresh makes it again). Writes
 * bench/history-at-scale-results.md.
 */
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import {
  type Database,
  fakeHistoryProgressBar,
  fakeTradingHistory,
  migrate,
  type OnQuery,
  openDatabase,
} from "@tradedesk/db";
import { Presets, SingleBar } from "cli-progress";
import { createPositionsCache } from "../src/cache/index.ts";
import {
  findRecentlyClosed,
  findUserBook,
  RECENTLY_CLOSED_WINDOW_MS,
} from "../src/domain/balances-snapshot.ts";
import { createTradingDesk } from "../src/domain/desk.ts";
import { cursorOf } from "../src/domain/newest-first.ts";
import { createSimulatedExchange } from "../src/exchange/simulated/index.ts";
import { table } from "./markdown-table.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: {
    users: { type: "string", default: "1000" },
    orders: { type: "string", default: "10000000" },
    months: { type: "string", default: "24" },
    samples: { type: "string", default: "300" },
    url: { type: "string", default: "postgres://postgres@127.0.0.1:5432/tradedesk_bench" },
    fresh: { type: "boolean", default: false },
  },
});
const whole = (value: string) => Number(value.replaceAll("_", ""));
const USERS = whole(flags.users);
const ORDERS = whole(flags.orders);
const MONTHS = whole(flags.months);
const SAMPLES = whole(flags.samples);
const SEED = 1;
/** The dashboard's goal: every query under this at p99. */
const GOAL_P99_MS = 20;
/** The view's goal: at least this many times faster than the live aggregate. */
const GOAL_VIEW_SPEEDUP = 50;

const PARTITIONED = "bench_partitioned";
const PLAIN = "bench_plain";
const LIVE = "bench_live";
const dataset = JSON.stringify({ users: USERS, orders: ORDERS, months: MONTHS, seed: SEED });

const started = Date.now();
const loadBefore = loadavg();
const say = (line: string) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);

await ensureDatabase(flags.url);
const admin = await openDatabase({ url: flags.url, role: "--url" });
const sql = (text: string) => admin.prisma.$executeRawUnsafe(text);
const query = <Row>(text: string) => admin.prisma.$queryRawUnsafe<Row[]>(text);

// bench_live's views read bench_partitioned's tables and views: dropped first, so that a migration
// may remake what they read (it is built again below).
await sql(`DROP SCHEMA IF EXISTS ${LIVE} CASCADE`);

// 1. The history, partitioned as the migrations make it.
const kept = await schemaNote(PARTITIONED);
let loadSeconds: number;
if (!flags.fresh && kept?.dataset === dataset) {
  loadSeconds = kept.loadSeconds;
  say(`reusing ${PARTITIONED} (${ORDERS.toLocaleString("en")} orders, generated in ${loadSeconds} s)`);
  // Migrations added since apply to the kept rows (an index, say).
  const db = await openSchema(PARTITIONED);
  const { applied } = await migrate(db);
  await db.close();
  if (applied.length > 0) {
    say(`  applied ${applied.join(", ")}`);
    await sql(
      `VACUUM (ANALYZE) ${PARTITIONED}.orders, ${PARTITIONED}.positions, ${PARTITIONED}.daily_account_pnl, ${PARTITIONED}.daily_user_pnl, ${PARTITIONED}.daily_user_pnl_by_month`,
    );
  }
} else {
  for (const schema of [LIVE, PLAIN, PARTITIONED]) await sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const db = await openSchema(PARTITIONED);
  await migrate(db);
  say(`generating ${ORDERS.toLocaleString("en")} orders for ${USERS} users over ${MONTHS} months`);
  const bar = fakeHistoryProgressBar();
  const t0 = performance.now();
  await fakeTradingHistory(db, {
    users: USERS,
    orders: ORDERS,
    months: MONTHS,
    seed: SEED,
    onProgress: bar.onProgress,
  });
  bar.stop();
  loadSeconds = Math.round((performance.now() - t0) / 1000);
  await db.close();
  await sql(`COMMENT ON SCHEMA ${PARTITIONED} IS '${JSON.stringify({ dataset, loadSeconds })}'`);
}

// 2. The same rows with orders in one plain table (again when a migration came since), and 3.
// the live aggregate's schema.
const [{ migrations }] = (await query<{ migrations: number }>(
  `SELECT count(*)::int AS migrations FROM ${PARTITIONED}._prisma_migrations`,
)) as [{ migrations: number }];
const plainDataset = JSON.stringify({ dataset, migrations });
if ((await schemaNote(PLAIN))?.dataset !== plainDataset) {
  say(`copying the history into ${PLAIN} (orders not partitioned)`);
  await sql(`DROP SCHEMA IF EXISTS ${PLAIN} CASCADE`);
  const db = await openSchema(PLAIN);
  await migrate(db);
  await db.close();
  await buildPlainCopy();
  await sql(`COMMENT ON SCHEMA ${PLAIN} IS '${JSON.stringify({ dataset: plainDataset })}'`);
}
await buildLiveSchema();

// 4. One desk per schema, on the same code.
const exchange = createSimulatedExchange({ seed: SEED, latencyMs: 0, priceTickMs: 0 });
/** Side = one desk on one schema, and the statements it sent (to time them again in the database). */
const deskOn = async (schema: string) => {
  const statements: { sql: string; params: readonly unknown[] }[] = [];
  const db = await openSchema(schema, (sql, params) => statements.push({ sql, params }));
  const desk = createTradingDesk({
    prisma: db.prisma,
    cache: createPositionsCache({ ttlMs: 1 }),
    gateways: { SIMULATED: exchange, BINANCE_USDM: exchange },
    logger: { warn: () => {}, error: () => {} },
  });
  return { db, desk, statements };
};
const partitioned = await deskOn(PARTITIONED);
const plain = await deskOn(PLAIN);
const live = await deskOn(LIVE);

// 5. The queries, each for a user picked at random (the same users in every schema).
const users = (await query<{ id: string }>(`SELECT id::text FROM ${PARTITIONED}.users ORDER BY id`)).map(
  (u) => u.id,
);
let random = 0x2545f491;
const nextUser = () => {
  random = (Math.imul(random, 1103515245) + 12345) >>> 0;
  return users[random % users.length]!;
};
const now = new Date();
const yearBack = cursorOf({
  at: new Date(now.getTime() - 365 * 86_400_000),
  id: "ffffffff-ffff-4fff-bfff-ffffffffffff",
});

type Side = Awaited<ReturnType<typeof deskOn>>;
type Run = (side: Side, userId: string) => Promise<unknown>;
const nextPage =
  (list: "list" | "trades"): Run =>
  async ({ desk }, userId) => {
    const first = await desk.orders[list](userId, { limit: 50 });
    const started = performance.now();
    if (first.nextCursor) await desk.orders[list](userId, { limit: 50, cursor: first.nextCursor });
    return performance.now() - started;
  };
/** Dashboard queries, partitioned vs not. A run returning a number timed itself (the rest is set-up). */
const dashboard: [string, Run][] = [
  [
    "balances summary (its 2 database reads)",
    ({ db }, userId) =>
      Promise.all([
        findUserBook(db.prisma, userId),
        findRecentlyClosed(db.prisma, userId, new Date(now.getTime() - RECENTLY_CLOSED_WINDOW_MS)),
      ]),
  ],
  ["open orders", ({ desk }, userId) => desk.orders.open(userId)],
  ["orders, first page (50)", ({ desk }, userId) => desk.orders.list(userId, { limit: 50 })],
  ["orders, next page", nextPage("list")],
  [
    "orders, a page a year back",
    ({ desk }, userId) => desk.orders.list(userId, { limit: 50, cursor: yearBack }),
  ],
  ["trades, first page (50)", ({ desk }, userId) => desk.orders.trades(userId, { limit: 50 })],
  ["trades, next page", nextPage("trades")],
  ["closed positions, first page (20)", ({ desk }, userId) => desk.positions.closed(userId, { limit: 20 })],
  [
    "closed positions, next page",
    async ({ desk }, userId) => {
      const first = await desk.positions.closed(userId, { limit: 20 });
      const started = performance.now();
      if (first.nextCursor) await desk.positions.closed(userId, { limit: 20, cursor: first.nextCursor });
      return performance.now() - started;
    },
  ],
];
/**
 * The history reads: the PnL curve over the API's default range (90 days) and the whole history,
 * and the summary (totals only) of the whole history.
 */
const WHOLE_HISTORY = MONTHS * 31;
const historyReads: [string, Run][] = [
  ["daily PnL, 90 days", ({ desk }, userId) => desk.history.daily(userId, { lastDays: 90 })],
  [
    `daily PnL, ${WHOLE_HISTORY} days`,
    ({ desk }, userId) => desk.history.daily(userId, { lastDays: WHOLE_HISTORY }),
  ],
  [
    `summary, ${WHOLE_HISTORY} days`,
    ({ desk }, userId) => desk.history.summary(userId, { lastDays: WHOLE_HISTORY }),
  ],
];

/** The two sides of a comparison, in turn first: neither always finds the other's pages cached. */
const inTurn = (sample: number, first: [string, Side], second: [string, Side]) =>
  sample % 2 ? [second, first] : [first, second];

const timings = new Map<string, number[]>();
const record = (label: string, ms: number) => timings.set(label, [...(timings.get(label) ?? []), ms]);
async function timed(label: string, run: Run, side: Side, userId: string) {
  const t0 = performance.now();
  const result = await run(side, userId);
  record(label, typeof result === "number" ? result : performance.now() - t0);
}

/**
 * A history read timed as the desk sees it, then its statements again in the database (planning +
 * execution by EXPLAIN ANALYZE without per-node timing, right after: the same pages warm for both
 * sides), which leaves out what both sides pay per call (round trips, Prisma, decoding the rows).
 */
async function timedWithDatabase(label: string, run: Run, side: Side, userId: string) {
  side.statements.length = 0;
  await timed(label, run, side, userId);
  const sent = side.statements.splice(0);
  let databaseMs = 0;
  for (const { sql, params } of sent) {
    const [row] = await side.db.prisma.$queryRawUnsafe<Record<string, unknown>[]>(
      `EXPLAIN (ANALYZE, TIMING OFF, SUMMARY, FORMAT JSON) ${sql}`,
      ...params,
    );
    const [plan] = Object.values(row!)[0] as { "Planning Time": number; "Execution Time": number }[];
    databaseMs += plan!["Planning Time"] + plan!["Execution Time"];
  }
  side.statements.length = 0;
  record(`${label}|in the database`, databaseMs);
}

say("warming up (every query once for 30 users, not counted)");
for (let i = 0; i < 30; i++) {
  const userId = nextUser();
  for (const [, run] of dashboard) for (const side of [partitioned, plain]) await run(side, userId);
  for (const [, run] of historyReads) for (const side of [partitioned, live]) await run(side, userId);
}
timings.clear();

const bar = new SingleBar(
  { format: "sampling |{bar}| {value}/{total} users | {duration_formatted}", hideCursor: true },
  Presets.shades_classic,
);
bar.start(SAMPLES, 0);
for (let sample = 0; sample < SAMPLES; sample++) {
  const userId = nextUser();
  const sides = inTurn(sample, ["partitioned", partitioned], ["plain", plain]);
  for (const [label, run] of dashboard) {
    for (const [name, side] of sides) await timed(`${label}|${name}`, run, side, userId);
  }
  for (const [read, run] of historyReads) {
    for (const [name, side] of inTurn(sample, ["view", partitioned], ["live", live])) {
      await timedWithDatabase(`${read}|${name}`, run, side, userId);
    }
  }
  bar.increment();
}
bar.stop();

// The view's case grows with a trader's history: the 10 busiest users, whole history, apart.
const busiest = (
  await query<{ id: string }>(`
    SELECT a.user_id::text AS id FROM ${PARTITIONED}.orders o JOIN ${PARTITIONED}.exchange_accounts a ON a.id = o.account_id
     GROUP BY a.user_id ORDER BY count(*) DESC LIMIT 10`)
).map((row) => row.id);
const [wholeHistoryLabel, wholeHistory] = historyReads[1]!;
const BUSIEST = `${wholeHistoryLabel}, the 10 busiest users`;
for (let sample = 0; sample < 50; sample++) {
  const userId = busiest[sample % busiest.length]!;
  for (const [name, side] of inTurn(sample, ["view", partitioned], ["live", live])) {
    await timedWithDatabase(`${BUSIEST}|${name}`, wholeHistory, side, userId);
  }
}

// 6. Sizes and the report.
const sizes = await query<{ name: string; bytes: string; rows: string }>(`
  SELECT 'orders, partitioned (${MONTHS} months + ahead + default)' AS name,
         sum(pg_total_relation_size(relid))::text AS bytes,
         (SELECT count(*) FROM ${PARTITIONED}.orders)::text AS rows
    FROM pg_partition_tree('${PARTITIONED}.orders')
  UNION ALL
  SELECT 'orders, not partitioned', pg_total_relation_size('${PLAIN}.orders')::text,
         (SELECT count(*) FROM ${PLAIN}.orders)::text
  UNION ALL
  SELECT 'positions', pg_total_relation_size('${PARTITIONED}.positions')::text,
         (SELECT count(*) FROM ${PARTITIONED}.positions)::text
  UNION ALL
  SELECT 'daily_account_pnl (view)', pg_total_relation_size('${PARTITIONED}.daily_account_pnl')::text,
         (SELECT count(*) FROM ${PARTITIONED}.daily_account_pnl)::text
  UNION ALL
  SELECT 'daily_user_pnl (view)', pg_total_relation_size('${PARTITIONED}.daily_user_pnl')::text,
         (SELECT count(*) FROM ${PARTITIONED}.daily_user_pnl)::text
  UNION ALL
  SELECT 'daily_user_pnl_by_month (view)', pg_total_relation_size('${PARTITIONED}.daily_user_pnl_by_month')::text,
         (SELECT count(*) FROM ${PARTITIONED}.daily_user_pnl_by_month)::text`);
const [server] = await query<{ version: string; shared_buffers: string; work_mem: string }>(
  "SELECT split_part(version(), ' ', 2) AS version, current_setting('shared_buffers') AS shared_buffers, current_setting('work_mem') AS work_mem",
);
const loadAfter = loadavg();

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const ms = (value: number) => value.toFixed(value < 10 ? 2 : 1);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
const lines: string[] = [];
const out = (line = "") => lines.push(line);
out("# History at scale: partitioned vs not, the daily view vs live");
out();
out(
  `Node ${process.version}, PostgreSQL ${server!.version} (shared_buffers ${server!.shared_buffers}, work_mem ${server!.work_mem}), ` +
    `${cpus().length} cores, load average ${loadBefore.map((l) => l.toFixed(2)).join(" / ")} before, ` +
    `${loadAfter.map((l) => l.toFixed(2)).join(" / ")} after (1 / 5 / 15 min); ${new Date().toISOString()}.`,
);
out(
  `${USERS.toLocaleString("en")} users, ${ORDERS.toLocaleString("en")} orders over ${MONTHS} months ` +
    `(pnpm db:fake: ${loadSeconds} s, VACUUM ANALYZE and the view's refresh included); ${SAMPLES} samples per query, ` +
    "one random user each, one client, times as the desk sees them (Prisma included).",
);
out();
lines.push(
  ...table(
    ["table", "rows", "size"],
    sizes.map((size) => [
      size.name,
      Number(size.rows).toLocaleString("en"),
      `${(Number(size.bytes) / 2 ** 30).toFixed(2)} GiB`,
    ]),
  ),
);
out();
/** A table row: p50 and p99 of two sides, then their p50 and p99 ratios (which side over which). */
function sideBySide(label: string, first: number[], second: number[], over: "first/second" | "second/first") {
  const quotient = (q: number) =>
    over === "first/second" ? ratio(pct(first, q), pct(second, q)) : ratio(pct(second, q), pct(first, q));
  return [
    label,
    `${ms(pct(first, 50))} ms`,
    `${ms(pct(first, 99))} ms`,
    `${ms(pct(second, 50))} ms`,
    `${ms(pct(second, 99))} ms`,
    quotient(50),
    quotient(99),
  ];
}
const missed: string[] = [];
const dashboardRows = dashboard.map(([label]) => {
  const a = timings.get(`${label}|partitioned`)!;
  const b = timings.get(`${label}|plain`)!;
  if (pct(a, 99) >= GOAL_P99_MS) missed.push(`${label}: p99 ${ms(pct(a, 99))} ms`);
  return sideBySide(label, a, b, "first/second");
});
lines.push(
  ...table(
    ["query", "partitioned p50", "p99", "not partitioned p50", "p99", "p50 ratio", "p99 ratio"],
    dashboardRows,
  ),
);
out();
const speedups: string[] = [];
const viewReads = [...historyReads.map(([read]) => read), BUSIEST];
/** View vs live, p50 / p99 side by side; `part` "" for the desk's call, "|in the database" for the database's share. */
const viewRows = (part: string) =>
  viewReads.map((read) => {
    const view = timings.get(`${read}|view${part}`)!;
    const liveTimes = timings.get(`${read}|live${part}`)!;
    const speedup = pct(liveTimes, 50) / pct(view, 50);
    const where = part ? "in the database" : "the desk's call";
    speedups.push(
      `${read} (${where}) ${speedup >= GOAL_VIEW_SPEEDUP ? "met" : "missed"} (${speedup.toFixed(0)}x)`,
    );
    return sideBySide(read, view, liveTimes, "second/first");
  });
const viewHeader = (what: string) => [
  what,
  "from the views p50",
  "p99",
  "aggregated live p50",
  "p99",
  "live / view p50",
  "p99",
];
out("The desk's call (what the API answers with; Prisma, round trips and decoding included):");
out();
lines.push(...table(viewHeader("history read"), viewRows("")));
out();
out(
  "The same statements again in the database, right after (planning + execution, EXPLAIN ANALYZE without per-node timing):",
);
out();
lines.push(...table(viewHeader("history read, in the database"), viewRows("|in the database")));
out();
out(
  `Goals: every dashboard query under ${GOAL_P99_MS} ms at p99 (partitioned): ${missed.length ? `missed by ${missed.join("; ")}` : "met"}. ` +
    `The view at least ${GOAL_VIEW_SPEEDUP}x faster than live (p50): ${speedups.join(", ")}.`,
);
const report = lines.join("\n");
console.log(`\n${report}`);
writeFileSync(new URL("./history-at-scale-results.md", import.meta.url), `${report}\n`);

await Promise.all([
  partitioned.db.close(),
  plain.db.close(),
  live.db.close(),
  admin.close(),
  exchange.close(),
]);

// --- helpers -------------------------------------------------------------------------------

/** Creates the bench's database on first use (it is big: kept out of the test database). */
async function ensureDatabase(url: string) {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  const server = new URL(url);
  server.pathname = "/postgres";
  const db = await openDatabase({ url: server.toString(), role: "--url's server" });
  try {
    const [found] = await db.prisma.$queryRawUnsafe<unknown[]>(
      "SELECT 1 FROM pg_database WHERE datname = $1",
      name,
    );
    if (!found) await db.prisma.$executeRawUnsafe(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await db.close();
  }
}

function openSchema(schema: string, onQuery?: OnQuery): Promise<Database> {
  const url = new URL(flags.url);
  url.searchParams.set("schema", schema);
  return openDatabase({ url: url.toString(), role: "--url", onQuery });
}

async function schemaNote(schema: string): Promise<{ dataset: string; loadSeconds: number } | null> {
  const [row] = await query<{ note: string | null }>(
    `SELECT obj_description(oid, 'pg_namespace') AS note FROM pg_namespace WHERE nspname = '${schema}'`,
  );
  return row?.note ? (JSON.parse(row.note) as { dataset: string; loadSeconds: number }) : null;
}

/**
 * bench_plain: the migrated schema with orders replaced by one plain table of the same rows and
 * the indexes orders had before partitioning (primary key id, unique (account_id,
 * client_order_id)) plus the partitioned table's others; the other tables copied alike.
 */
async function buildPlainCopy() {
  await sql(`CREATE TABLE ${PLAIN}.orders_plain (LIKE ${PLAIN}.orders INCLUDING DEFAULTS)`);
  await sql(`DROP TABLE ${PLAIN}.orders CASCADE`);
  await sql(`ALTER TABLE ${PLAIN}.orders_plain RENAME TO orders`);
  for (const table of ["users", "exchange_accounts", "positions", "orders"]) {
    // Each schema has its own enum types: values cross as text.
    const columns = await query<{ name: string; type: string | null }>(`
      SELECT column_name AS name, CASE WHEN data_type = 'USER-DEFINED' THEN udt_name END AS type
        FROM information_schema.columns WHERE table_schema = '${PLAIN}' AND table_name = '${table}'
       ORDER BY ordinal_position`);
    const list = columns.map((c) => `"${c.name}"`).join(", ");
    const select = columns
      .map((c) => (c.type ? `"${c.name}"::text::${PLAIN}."${c.type}"` : `"${c.name}"`))
      .join(", ");
    say(`  ${table}`);
    // Consistent already: no foreign-key checks. One statement, so one connection of the pool.
    await sql(`DO $$ BEGIN
      SET LOCAL session_replication_role = replica;
      INSERT INTO ${PLAIN}.${table} (${list}) SELECT ${select} FROM ${PARTITIONED}.${table};
    END $$`);
  }
  say("  orders' indexes");
  await sql(`ALTER TABLE ${PLAIN}.orders ADD CONSTRAINT orders_pkey PRIMARY KEY (id)`);
  await sql(
    `CREATE UNIQUE INDEX orders_account_id_client_order_id_key ON ${PLAIN}.orders (account_id, client_order_id)`,
  );
  const indexes = await query<{ definition: string }>(`
    SELECT indexdef AS definition FROM pg_indexes
     WHERE schemaname = '${PARTITIONED}' AND tablename = 'orders'
       AND indexname NOT IN ('orders_pkey', 'orders_account_id_client_order_id_idx')`);
  for (const { definition } of indexes) {
    await sql(definition.replace(`ON ONLY ${PARTITIONED}.orders`, `ON ${PLAIN}.orders`));
  }
  say("  VACUUM ANALYZE");
  await sql(
    `VACUUM (ANALYZE) ${PLAIN}.users, ${PLAIN}.exchange_accounts, ${PLAIN}.positions, ${PLAIN}.orders`,
  );
}

/**
 * bench_live: the partitioned tables seen through views, with no refresh of the daily view
 * recorded, so that desk.history.daily aggregates every day live, on the same rows and code.
 */
async function buildLiveSchema() {
  await sql(`CREATE SCHEMA ${LIVE}`);
  for (const table of [
    "exchange_accounts",
    "positions",
    "orders",
    "daily_account_pnl",
    "daily_user_pnl",
    "daily_user_pnl_by_month",
  ]) {
    await sql(`CREATE VIEW ${LIVE}.${table} AS SELECT * FROM ${PARTITIONED}.${table}`);
  }
  await sql(
    `CREATE TABLE ${LIVE}.materialized_view_refreshes (LIKE ${PARTITIONED}.materialized_view_refreshes)`,
  );
  // The schema's functions (the history read's among them) made again here: their statements name
  // tables unqualified, so called here they read this schema's.
  const functions = await query<{ definition: string }>(`
    SELECT pg_get_functiondef(p.oid) AS definition FROM pg_proc p
     WHERE p.pronamespace = '${PARTITIONED}'::regnamespace AND p.prokind = 'f'`);
  for (const { definition } of functions) {
    // A SQL function's body is checked when it is made, against the search path: this schema's.
    await sql(`DO $made$ BEGIN
      SET LOCAL search_path = ${LIVE};
      EXECUTE $definition$${definition.replace(`FUNCTION ${PARTITIONED}.`, `FUNCTION ${LIVE}.`)}$definition$;
    END $made$`);
  }
}
