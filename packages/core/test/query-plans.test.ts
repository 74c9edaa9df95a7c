// The desk's queries on the big tables, as Prisma sends them, EXPLAINed with the values they were
// sent with, over a generated history big enough that the planner prefers an index where one fits
// (200,000 orders over 24 months), and reads run to count the rows they read. PostgreSQL only
// (`test:pg`, in CI): the plans that must hold at scale are those of the server's PostgreSQL (15
// here); PGlite (PostgreSQL 17, one developer's desk) would plan much the same, for some 40 s more
// of every `pnpm test`.
import { randomUUID } from "node:crypto";
import { type Database, fakeTradingHistory } from "@tradedesk/db";
import {
  createTestDatabase,
  explain,
  explainEach,
  leadingColumns,
  scansOf,
  type TableScan,
} from "@tradedesk/db/testing";
import Decimal from "decimal.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createPositionsCache } from "../src/cache/index.ts";
import { createTradingDesk, type TradingDeskInstance } from "../src/domain/desk.ts";
import type { ExchangeGateway, ExchangeOrder } from "../src/exchange/gateway.ts";
import { createSimulatedExchange, type SimulatedExchange } from "../src/exchange/simulated/index.ts";

const NOW = new Date("2026-11-20T12:00:00.000Z");
const ORDERS = 200_000;

interface Statement {
  sql: string;
  params: readonly unknown[];
}

interface Holder {
  userId: string;
  accountId: string;
  positionId: string;
  symbol: string;
}

interface Planned extends Statement {
  scans: TableScan[];
  /** Reads (run by EXPLAIN ANALYZE): the rows it read from orders and positions; writes: null. */
  rowsRead: number | null;
}

describe.runIf(inject("testDatabaseUrl"))("the desk's queries on 200,000 orders read by index", () => {
  let db: Database;
  let exchange: SimulatedExchange;
  let desk: TradingDeskInstance;
  let recording: Statement[] | null = null;
  /** Partitions of orders that hold rows: an empty one (months ahead, the default) is read whole, for free. */
  let populated: Set<string>;
  /** Every index's first column. */
  let firstColumns: Map<string, string>;
  /** The user with the most orders, and one with an open position (and its account). */
  let busiest: string;
  /** Two users with an open position on a simulated account: one modifies it, the other is reconciled. */
  let holder: Holder;
  let reconciled: Holder;
  /** How many accounts the busiest user has: a page reads each. */
  let busiestAccounts: number;
  /** The stand-in for the exchange the reconciler talks to (see "the reconciler's look-ups"). */
  let reconcileGateway: Partial<ExchangeGateway> = {};

  beforeAll(async () => {
    db = await createTestDatabase({ onQuery: (sql, params) => recording?.push({ sql, params }) });
    await fakeTradingHistory(db, { users: 300, orders: ORDERS, months: 24, seed: 17, now: NOW });
    exchange = createSimulatedExchange({ seed: 17, latencyMs: 0, priceTickMs: 0 });
    const gateway = Object.assign(Object.create(exchange) as SimulatedExchange, {
      getAccountSnapshot: (account: Parameters<ExchangeGateway["getAccountSnapshot"]>[0]) =>
        reconcileGateway.getAccountSnapshot?.(account) ?? exchange.getAccountSnapshot(account),
      getOpenOrders: (account: Parameters<ExchangeGateway["getOpenOrders"]>[0]) =>
        reconcileGateway.getOpenOrders?.(account) ?? exchange.getOpenOrders(account),
      getOrder: (...args: Parameters<ExchangeGateway["getOrder"]>) =>
        reconcileGateway.getOrder?.(...args) ?? exchange.getOrder(...args),
      getTrades: (...args: Parameters<ExchangeGateway["getTrades"]>) =>
        reconcileGateway.getTrades?.(...args) ?? exchange.getTrades(...args),
    });
    desk = createTradingDesk({
      prisma: db.prisma,
      cache: createPositionsCache({ ttlMs: 1 }),
      gateways: { SIMULATED: gateway, BINANCE_USDM: gateway },
      now: () => NOW,
      logger: { warn: () => {}, error: () => {} },
    });

    const rows = await db.prisma.$queryRaw<{ partition: string }[]>`
      SELECT DISTINCT tableoid::regclass::text AS partition FROM orders`;
    populated = new Set(rows.map((row) => row.partition));
    firstColumns = await leadingColumns(db);
    const [top] = await db.prisma.$queryRaw<{ user_id: string; accounts: number }[]>`
      SELECT a.user_id::text, count(DISTINCT a.id)::int AS accounts
        FROM orders o JOIN exchange_accounts a ON a.id = o.account_id
       GROUP BY a.user_id ORDER BY count(*) DESC LIMIT 1`;
    busiest = top!.user_id;
    busiestAccounts = top!.accounts;
    const open = await db.prisma.$queryRaw<Holder[]>`
      SELECT DISTINCT ON (a.user_id) a.user_id::text AS "userId", a.id::text AS "accountId",
             p.id::text AS "positionId", p.symbol
        FROM positions p JOIN exchange_accounts a ON a.id = p.account_id
       WHERE p.status = 'OPEN' AND a.exchange = 'SIMULATED' AND a.user_id <> ${busiest}::uuid
       ORDER BY a.user_id, p.id LIMIT 2`;
    [holder, reconciled] = [open[0]!, open[1]!];
  });
  afterAll(async () => {
    await exchange?.close();
    await db?.close();
  });

  /**
   * What `run` sent to the orders and positions tables, each with the plan PostgreSQL chooses for
   * it; reads are run again by EXPLAIN ANALYZE to count the rows they read.
   */
  async function plansOf(run: () => Promise<unknown>): Promise<Planned[]> {
    const sent: Statement[] = [];
    recording = sent;
    try {
      await run();
    } finally {
      recording = null;
    }
    const planned: Planned[] = [];
    // The history and the open orders' places are read by functions: their own statements are
    // the ones to look at.
    const inFunctions = /\b(daily_pnl|history_symbols|open_order_places)\(/;
    for (const statement of sent.filter((s) => inFunctions.test(s.sql))) {
      for (const { sql, plan } of await explainEach(db, statement.sql, statement.params)) {
        const scans = scansOf(plan);
        planned.push({ sql, params: statement.params, scans, rowsRead: rowsReadOf(scans) });
      }
    }
    for (const statement of sent.filter((s) => /"?(orders|positions)"?\b/.test(s.sql))) {
      const read = /^\s*SELECT/i.test(statement.sql);
      const scans = scansOf(await explain(db, statement.sql, statement.params, { run: read }));
      planned.push({ ...statement, scans, rowsRead: read ? rowsReadOf(scans) : null });
    }
    return planned;
  }

  const isBig = (scan: TableScan) => scan.table === "positions" || scan.table.startsWith("orders");
  /** The rows a run plan read from orders and positions. */
  const rowsReadOf = (scans: TableScan[]) =>
    scans.filter(isBig).reduce((sum, scan) => sum + (scan.rowsRead ?? 0), 0);

  /**
   * No statement reads positions, or a partition of orders that holds rows, by a sequential scan,
   * and every index it reads there is bounded on its first column (not read whole, as a condition
   * on a later column alone would).
   */
  function expectIndexReads(statements: Planned[]) {
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      const where = `${statement.sql}\n${JSON.stringify(statement.params)}`;
      const big = statement.scans.filter(isBig);
      expect(big.length, where).toBeGreaterThan(0);
      const seqScans = big.filter(
        (scan) => scan.node === "Seq Scan" && (scan.table === "positions" || populated.has(scan.table)),
      );
      expect(
        seqScans.map((scan) => scan.table),
        where,
      ).toEqual([]);
      for (const scan of big) {
        scan.indexes.forEach((index, i) => {
          const first = firstColumns.get(index);
          expect(first, `${index} in ${where}`).toBeDefined();
          expect(scan.indexConditions[i], `${index} read whole in ${where}`).toMatch(
            new RegExp(`\\b${first}\\b`),
          );
        });
      }
    }
  }

  /** Each read reads at most `most` rows of orders and positions, whatever the history behind them. */
  function expectRowsRead(statements: Planned[], most: number) {
    for (const statement of statements.filter((s) => s.rowsRead !== null)) {
      expect(statement.rowsRead, `${statement.sql}\n${JSON.stringify(statement.params)}`).toBeLessThanOrEqual(
        most,
      );
    }
  }

  /** The months of orders a statement reads, as partition names. */
  const monthsRead = (statement: Planned) =>
    [...new Set(statement.scans.map((scan) => scan.table).filter((table) => populated.has(table)))].sort();
  const partitionOf = (at: string | Date) =>
    `orders_${new Date(at).toISOString().slice(0, 7).replace("-", "_")}`;

  it("has history in every month, for the pruning checks below", () => {
    expect(populated.size).toBe(24);
    expect(busiestAccounts).toBeGreaterThan(0);
  });

  it("balances summary: the open book (protective and external orders) and the recently closed", async () => {
    const statements = await plansOf(() => desk.balances.read(holder.userId));
    expectIndexReads(statements);
    expectRowsRead(statements, 20);
  });

  it("open orders: their places in a function (its statement seen inside), then their rows from their months only", async () => {
    const statements = (await plansOf(() => desk.orders.open(busiest))).filter((statement) =>
      statement.scans.some(isBig),
    );
    const { items } = await desk.orders.open(busiest);
    expect(items.length).toBeGreaterThan(0);
    // open_order_places()'s statement (by each account's (account_id, status) index: what is
    // live, not the history), then the orders at those places.
    expect(statements).toHaveLength(2);
    expectIndexReads(statements);
    expectRowsRead(statements, 50);
    expect(monthsRead(statements[1]!)).toEqual(
      [...new Set(items.map((order) => partitionOf(order.createdAt)))].sort(),
    );
  });

  it("order history: a page reads at most a page (and a row a month) per account, the rows from the page's months only", async () => {
    const statements = await plansOf(() => desk.orders.list(busiest, { limit: 50 }));
    expectIndexReads(statements);
    expectRowsRead(statements, busiestAccounts * (51 + 2 * 28));
    const page = await desk.orders.list(busiest, { limit: 50 });
    expect(monthsRead(statements.at(-1)!)).toEqual(
      [...new Set([partitionOf(page.items.at(-1)!.createdAt), partitionOf(page.items[0]!.createdAt)])].sort(),
    );
  });

  it("order history with a cursor: the same, and nothing newer than the cursor's month is read", async () => {
    // Pages back to months before the newest.
    let cursor: string | null = null;
    let last = "";
    for (let i = 0; i < 12; i++) {
      const page = await desk.orders.list(busiest, { limit: 100, ...(cursor ? { cursor } : {}) });
      cursor = page.nextCursor;
      last = page.items.at(-1)!.createdAt;
    }
    const statements = await plansOf(() => desk.orders.list(busiest, { limit: 50, cursor: cursor! }));
    expectIndexReads(statements);
    expectRowsRead(statements, busiestAccounts * (51 + 2 * 28));
    for (const statement of statements) {
      expect(monthsRead(statement).every((month) => month <= partitionOf(last))).toBe(true);
    }
    expect(monthsRead(statements[0]!).length).toBeLessThan(populated.size);
  });

  it("trade history, with and without a cursor", async () => {
    const first = await desk.orders.trades(busiest, { limit: 50 });
    const statements = [
      ...(await plansOf(() => desk.orders.trades(busiest, { limit: 50 }))),
      ...(await plansOf(() => desk.orders.trades(busiest, { limit: 50, cursor: first.nextCursor! }))),
    ];
    expectIndexReads(statements);
    // About 4 orders in 10 never fill: read and passed over.
    expectRowsRead(statements, busiestAccounts * (2 * 51 + 2 * 28));
    expect(monthsRead(statements.at(-1)!).length).toBeLessThanOrEqual(2);
  });

  it("closed positions, with and without a cursor", async () => {
    const first = await desk.positions.closed(busiest, { limit: 20 });
    const statements = [
      ...(await plansOf(() => desk.positions.closed(busiest, { limit: 20 }))),
      ...(await plansOf(() => desk.positions.closed(busiest, { limit: 20, cursor: first.nextCursor! }))),
    ];
    expectIndexReads(statements);
    expectRowsRead(statements, busiestAccounts * 2 * 21);
  });

  it("daily PnL and summary: the views by their index (the days' amounts from it alone), and the days since their refresh live from their month only", async () => {
    const [traded] = await db.prisma.$queryRaw<{ symbol: string }[]>`
      SELECT p.symbol FROM positions p JOIN exchange_accounts a ON a.id = p.account_id
       WHERE a.user_id = ${busiest}::uuid AND p.status = 'CLOSED' LIMIT 1`;
    const daily = await plansOf(() => desk.history.daily(busiest, { lastDays: 90 }));
    const summary = await plansOf(() => desk.history.summary(busiest, { lastDays: 90 }));
    const oneSymbol = await plansOf(() =>
      desk.history.daily(busiest, { lastDays: 90, symbol: traded!.symbol }),
    );
    // The amounts are in the views' indexes: a user's days are read without their scattered heap.
    // A user's days over every symbol come a month to a row from the rollup by month (its rows
    // sit together: a row per month, by its index), the totals from the rollup's running totals
    // at either end of the range; one symbol's days from daily_account_pnl.
    const viewsRead = (statements: Planned[]) => [
      ...new Set(
        statements
          .flatMap((statement) => statement.scans)
          .filter((scan) => scan.table.startsWith("daily_"))
          .map((scan) => `${scan.table}: ${scan.node}`),
      ),
    ];
    expect(viewsRead(daily).sort()).toEqual([
      "daily_user_pnl: Index Only Scan",
      "daily_user_pnl_by_month: Index Scan",
    ]);
    const rowsReadFrom = (statements: Planned[], table: string) =>
      statements
        .flatMap((statement) => statement.scans)
        .filter((scan) => scan.table === table)
        .reduce((sum, scan) => sum + (scan.rowsRead ?? 0), 0);
    // 90 days touch at most 4 months: a row each. The summary's plan has the read, never run.
    expect(rowsReadFrom(daily, "daily_user_pnl_by_month")).toBeGreaterThan(0);
    expect(rowsReadFrom(daily, "daily_user_pnl_by_month")).toBeLessThanOrEqual(4);
    expect(viewsRead(summary).sort()).toEqual(viewsRead(daily).sort());
    expect(rowsReadFrom(summary, "daily_user_pnl_by_month")).toBe(0);
    expect(viewsRead(oneSymbol)).toEqual(["daily_account_pnl: Index Only Scan"]);
    // The live days, one statement a call: this month's partition only (pruned when the kept plan
    // runs), by index.
    const live = [...daily, ...summary, ...oneSymbol].filter((statement) => statement.scans.some(isBig));
    expect(live).toHaveLength(3);
    expectIndexReads(live);
    expectRowsRead(live, 200);
    for (const statement of live) expect(monthsRead(statement)).toEqual([partitionOf(NOW)]);
  });

  it("the symbols with history: the view by a skip over its (account, symbol) index, a row per symbol; the days since its refresh live from their month only", async () => {
    const statements = await plansOf(() => desk.history.symbols(busiest));
    const { symbols } = await desk.history.symbols(busiest);
    expect(symbols.length).toBeGreaterThan(0);
    const view = statements
      .flatMap((statement) => statement.scans)
      .filter((scan) => scan.table.startsWith("daily_"));
    expect([
      ...new Set(view.map((scan) => `${scan.table}: ${scan.node} using ${scan.indexes.join()}`)),
    ]).toEqual(["daily_account_pnl: Index Only Scan using daily_account_pnl_account_id_symbol_idx"]);
    // Each account's symbols and one look past its last: not its rows of every day.
    const viewRowsRead = view.reduce((sum, scan) => sum + (scan.rowsRead ?? 0), 0);
    expect(viewRowsRead).toBeLessThanOrEqual(busiestAccounts * (symbols.length + 1));
    const live = statements.filter((statement) => statement.scans.some(isBig));
    expect(live).toHaveLength(1);
    expectIndexReads(live);
    expectRowsRead(live, 200);
    expect(monthsRead(live[0]!)).toEqual([partitionOf(NOW)]);
  });

  it("intent look-ups by clientOrderId: a repeated order, a repeated close", async () => {
    const [entry] = await db.prisma.$queryRaw<{ clientOrderId: string; symbol: string; accountId: string }[]>`
      SELECT o.client_order_id AS "clientOrderId", o.symbol, o.account_id::text AS "accountId"
        FROM orders o JOIN exchange_accounts a ON a.id = o.account_id
       WHERE a.user_id = ${busiest}::uuid AND o.role = 'ENTRY' AND o.status = 'FILLED' LIMIT 1`;
    const [exit] = await db.prisma.$queryRaw<{ clientOrderId: string; positionId: string }[]>`
      SELECT o.client_order_id AS "clientOrderId", o.position_id::text AS "positionId"
        FROM orders o JOIN exchange_accounts a ON a.id = o.account_id
       WHERE a.user_id = ${busiest}::uuid AND o.role = 'EXIT' LIMIT 1`;
    const statements = [
      ...(await plansOf(async () => {
        const repeat = await desk.orders.create(busiest, {
          accountId: entry!.accountId,
          clientOrderId: entry!.clientOrderId,
          symbol: entry!.symbol,
          side: "BUY",
          type: "MARKET",
          quantity: new Decimal("0.001"),
        });
        expect(repeat.created).toBe(false);
      })),
      ...(await plansOf(async () => {
        const repeat = await desk.positions.close(busiest, {
          positionId: exit!.positionId,
          clientOrderId: exit!.clientOrderId,
        });
        expect(repeat.closed).toBe(false);
      })),
    ];
    expectIndexReads(statements);
    expectRowsRead(statements, 10);
  });

  it("modify SL/TP: the position with its account and protective orders in one joined read, then the cancels", async () => {
    const statements = await plansOf(() =>
      desk.positions.modifySlTp(holder.userId, {
        positionId: holder.positionId,
        stopLoss: null,
        takeProfit: null,
      }),
    );
    expectIndexReads(statements);
    expectRowsRead(statements, 10);
    expect(statements[0]!.sql).toMatch(/LEFT JOIN LATERAL/);
    expect(statements.some((statement) => /^\s*UPDATE orders/.test(statement.sql))).toBe(true);
  });

  it("the reconciler's look-ups: unsettled and open orders, the trades' orders, protection, estimates, entries to adopt", async () => {
    // The exchange no longer holds the account's open position (closed, with a trade of its
    // entry), holds another one (opened elsewhere), and an order placed outside the desk.
    const [entry] = await db.prisma.$queryRaw<{ exchangeOrderId: string }[]>`
      SELECT exchange_order_id AS "exchangeOrderId" FROM orders
       WHERE position_id = ${reconciled.positionId}::uuid AND role = 'ENTRY'`;
    const other = reconciled.symbol === "BTCUSDT" ? "ETHUSDT" : "BTCUSDT";
    const external: ExchangeOrder = {
      exchangeOrderId: "900000000001",
      clientOrderId: randomUUID(),
      symbol: other,
      side: "BUY",
      type: "LIMIT",
      status: "NEW",
      quantity: new Decimal("0.01"),
      filledQuantity: new Decimal(0),
      averagePrice: null,
      price: new Decimal("100"),
      triggerPrice: null,
      reduceOnly: false,
    };
    reconcileGateway = {
      getAccountSnapshot: async () => ({
        balances: [],
        positions: [
          {
            symbol: other,
            side: "LONG",
            quantity: new Decimal("0.01"),
            entryPrice: new Decimal("3000"),
            leverage: 1,
            markPrice: new Decimal("3000"),
          },
        ],
        asOf: NOW.getTime(),
      }),
      getOpenOrders: async () => [external],
      getOrder: async () => null,
      getTrades: async (_account, query) => [
        {
          tradeId: "1",
          exchangeOrderId: entry!.exchangeOrderId,
          symbol: query.symbol,
          side: "SELL",
          quantity: new Decimal("0.01"),
          price: new Decimal("100"),
          realizedPnl: new Decimal("1.5"),
          fee: new Decimal("0.02"),
          time: NOW.getTime(),
        },
      ],
    };
    try {
      const statements = await plansOf(() => desk.reconciler.run(reconciled.accountId, "MANUAL"));
      expectIndexReads(statements);
      expectRowsRead(statements, 20);
      const repairs = await db.prisma.reconcileRepair.findMany({
        where: { accountId: reconciled.accountId },
      });
      expect(new Set(repairs.map((repair) => repair.kind))).toEqual(
        new Set(["ORDER_RECORDED_EXTERNAL", "ORDER_STATUS_UPDATED", "POSITION_CLOSED", "POSITION_OPENED"]),
      );
    } finally {
      reconcileGateway = {};
    }
  });
});
