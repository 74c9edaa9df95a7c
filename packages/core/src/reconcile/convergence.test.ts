// The reconciliation guarantee, as a property: whatever the exchange's faults and wherever the
// desk crashes, retries by clientOrderId and one reconcile pass leave the record equal to the
// exchange. Real parts throughout: the simulated exchange, PGlite (or PostgreSQL), the desk.
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "@tradedesk/db";
import { createTestDatabase } from "@tradedesk/db/testing";
import Decimal from "decimal.js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPositionsCache, exactClock } from "../cache/index.ts";
import type { DeskLogger } from "../domain/deps.ts";
import { createTradingDesk, type TradingDeskInstance } from "../domain/desk.ts";
import { sum, toDecimal } from "../domain/money.ts";
import type { ExchangeGateway } from "../exchange/gateway.ts";
import {
  createSimulatedExchange,
  type SimulatedExchange,
  type SimulatedFault,
  type SimulatedOperation,
} from "../exchange/simulated/index.ts";
import { manualTimers } from "../testing/desk-fixture.ts";

const SYMBOLS = { BTCUSDT: "65000", ETHUSDT: "3400" } as const;
type Symbol = keyof typeof SYMBOLS;
const START = "100000";

/** A process dying: every later database statement and exchange call of that desk fails. */
class CrashError extends Error {
  override readonly name = "CrashError";
}

/** "lookup-fails": the placement's outcome is unknown and looking it up fails too. */
type Fault = SimulatedFault["kind"] | "lookup-fails" | "none";
type Step =
  | {
      kind: "open";
      symbol: Symbol;
      side: "BUY" | "SELL";
      quantity: string;
      stopPct?: number;
      takePct?: number;
    }
  | { kind: "add"; symbol: Symbol; quantity: string }
  | { kind: "close"; symbol: Symbol }
  | { kind: "modify"; symbol: Symbol; stopPct: number | null; takePct: number | null }
  | { kind: "limit"; symbol: Symbol; side: "BUY" | "SELL"; quantity: string; pct: number }
  | { kind: "move"; symbol: Symbol; pct: number }
  /** The desk's event stream is down until after the next step: what happens meanwhile is missed. */
  | { kind: "deaf" };

interface Scenario {
  steps: Step[];
  /** Per exchange call of the desk, in order: a fault injected before it (cycled). */
  faults: Fault[];
  /** Per step: crash after this many more exchange calls of the step, before or after its effect. */
  crashes: ({ afterCalls: number; effect: "before" | "after" } | null)[];
}

const symbol = fc.constantFrom<Symbol>("BTCUSDT", "ETHUSDT");
const pct = fc.integer({ min: 1, max: 4 });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant("open" as const),
    symbol,
    side: fc.constantFrom("BUY" as const, "SELL" as const),
    quantity: fc.constantFrom("0.1", "0.25", "0.5"),
    stopPct: fc.option(pct, { nil: undefined }),
    takePct: fc.option(pct, { nil: undefined }),
  }),
  fc.record({ kind: fc.constant("add" as const), symbol, quantity: fc.constantFrom("0.05", "0.2") }),
  fc.record({ kind: fc.constant("close" as const), symbol }),
  fc.record({
    kind: fc.constant("modify" as const),
    symbol,
    stopPct: fc.option(pct, { nil: null }),
    takePct: fc.option(pct, { nil: null }),
  }),
  fc.record({ kind: fc.constant("move" as const), symbol, pct: fc.integer({ min: -6, max: 6 }) }),
  fc.record({ kind: fc.constant("move" as const), symbol, pct: fc.integer({ min: -6, max: 6 }) }),
  fc.record({
    kind: fc.constant("limit" as const),
    symbol,
    side: fc.constantFrom("BUY" as const, "SELL" as const),
    quantity: fc.constantFrom("0.1", "0.3"),
    pct: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({ kind: fc.constant("deaf" as const) }),
);
const scenario: fc.Arbitrary<Scenario> = fc.array(step, { minLength: 4, maxLength: 14 }).chain((steps) =>
  fc.record({
    steps: fc.constant(steps),
    faults: fc.array(
      fc.constantFrom<Fault>(
        "none",
        "none",
        "none",
        "timeout",
        "rate-limited",
        "server-error",
        "server-error-after-accept",
        "lookup-fails",
      ),
      { minLength: 1, maxLength: 40 },
    ),
    crashes: fc.array(
      fc.option(
        fc.record({
          afterCalls: fc.integer({ min: 0, max: 5 }),
          effect: fc.constantFrom("before" as const, "after" as const),
        }),
        { freq: 4 },
      ),
      { minLength: steps.length, maxLength: steps.length },
    ),
  }),
);

const silent: DeskLogger = { warn: () => {}, error: () => {} };
let prisma: PrismaClient;
let closeDb: () => Promise<void>;
let exchange: SimulatedExchange;
let clock = Date.parse("2026-11-30T10:00:00.000Z");
const timers = manualTimers(() => clock);

beforeAll(async () => {
  const db = await createTestDatabase();
  prisma = db.prisma;
  closeDb = () => db.close();
  exchange = createSimulatedExchange({ symbols: { ...SYMBOLS }, latencyMs: 0, priceTickMs: 0, timers });
});
afterAll(async () => {
  await exchange.close();
  await closeDb();
});

/** One desk "process": its own cache, a crash switch over its database and exchange access. */
function startDesk(plan: { faults: Fault[]; next: number }) {
  const state = {
    crashed: false,
    crashAt: null as null | { call: number; effect: "before" | "after" },
    calls: 0,
  };
  const guard = () => {
    if (state.crashed) throw new CrashError("the desk crashed");
  };
  const crashable = prisma.$extends({
    query: {
      async $allOperations({ args, query }) {
        guard();
        return query(args);
      },
    },
  }) as unknown as PrismaClient;

  /** Every desk call to the exchange: the crash point, and a scheduled fault. */
  async function call<T>(operation: SimulatedOperation, perform: () => Promise<T>, calls = true): Promise<T> {
    guard();
    const index = state.calls++;
    const crashHere = state.crashAt?.call === index;
    if (crashHere && state.crashAt?.effect === "before") state.crashed = true;
    guard();
    const fault = plan.faults[plan.next++ % plan.faults.length]!;
    // Injected only for a call that reaches the exchange, so no fault is left for a later one.
    if (fault !== "none" && calls) {
      if (fault === "lookup-fails") {
        if (operation === "placeOrder") {
          exchange.injectFault({ kind: "server-error-after-accept" }, { operation });
          exchange.injectFault({ kind: "server-error" }, { operation: "getOrder" });
        }
      } else {
        exchange.injectFault(
          fault === "rate-limited" || fault === "banned"
            ? { kind: fault, retryAfterMs: 1000 }
            : { kind: fault },
          { operation },
        );
      }
    }
    try {
      return await perform();
    } finally {
      // A fault this call did not reach (it was refused first) is not left for a later one.
      exchange.clearFaults();
      if (crashHere) state.crashed = true;
      guard();
    }
  }
  const gateway: ExchangeGateway = {
    name: "simulated",
    getAccountSnapshot: (account) => call("getAccountSnapshot", () => exchange.getAccountSnapshot(account)),
    placeOrder: (account, request) => call("placeOrder", () => exchange.placeOrder(account, request)),
    setLeverage: (account, request) => call("setLeverage", () => exchange.setLeverage(account, request)),
    getOrder: (account, ref) => call("getOrder", () => exchange.getOrder(account, ref)),
    getOpenOrders: (account) => call("getOpenOrders", () => exchange.getOpenOrders(account)),
    getTrades: (account, query) => call("getTrades", () => exchange.getTrades(account, query)),
    cancelOrders: (account, refs) =>
      call("cancelOrders", () => exchange.cancelOrders(account, refs), refs.length > 0),
    getMarkPrices: (symbols) => exchange.getMarkPrices(symbols),
    subscribeMarkPrices: (symbols, listener) => exchange.subscribeMarkPrices(symbols, listener),
    subscribeAllMarkPrices: (listener) => exchange.subscribeAllMarkPrices(listener),
    getExchangeRules: () => exchange.getExchangeRules(),
    subscribeAccountEvents: (account, listener) => exchange.subscribeAccountEvents(account, listener),
    close: async () => {},
  };
  const cache = createPositionsCache({ ttlMs: 3_000, clock: exactClock(() => clock) });
  const desk = createTradingDesk({
    prisma: crashable,
    cache,
    gateways: { SIMULATED: gateway },
    now: () => new Date(clock),
    logger: silent,
    // Requested runs never fire on their own: the test runs the one reconcile pass itself.
    reconcile: { setTimeout: () => null, clearTimeout: () => {} },
  });
  return { desk, state, cache };
}

function isRetryable(error: unknown): boolean {
  return (
    error instanceof CrashError ||
    ["ExchangeUnavailableError", "ExchangeRateLimitedError", "ExchangeOrderStatusUnknownError"].includes(
      (error as Error).name,
    )
  );
}

async function runScenario({ steps, faults, crashes }: Scenario) {
  // A trader of their own per run, on the one database and exchange.
  const user = await prisma.user.create({
    data: {
      email: `${randomUUID()}@example.com`,
      passwordHash: "x",
      accounts: { create: { exchange: "SIMULATED", label: "Simulated" } },
    },
    include: { accounts: true },
  });
  const userId = user.id;
  const accountId = user.accounts[0]!.id;
  for (const [name, price] of Object.entries(SYMBOLS)) await exchange.setMarkPrice(name, price);
  const plan = { faults, next: 0 };
  let current = startDesk(plan);
  await current.desk.accountEvents.start();
  const restart = async () => {
    current.desk.accountEvents.stop();
    current.cache.stop();
    current = startDesk(plan);
    await current.desk.accountEvents.start();
  };

  const mark = async (name: Symbol) => (await exchange.getMarkPrices([name])).get(name)!;
  const openPosition = (name: Symbol) =>
    prisma.position.findFirst({ where: { accountId, symbol: name, status: "OPEN" } }).then((p) => p ?? null);
  const level = (price: Decimal, side: "LONG" | "SHORT", role: "stop" | "take", percent: number) => {
    const below = (role === "stop") === (side === "LONG");
    return price.mul(below ? 1 - percent / 100 : 1 + percent / 100).toDecimalPlaces(2);
  };

  let deafFor = 0;
  for (const [index, s] of steps.entries()) {
    if (deafFor > 0 && --deafFor === 0) await current.desk.accountEvents.start();
    if (s.kind === "deaf") {
      if (deafFor === 0) current.desk.accountEvents.stop();
      deafFor = 2;
      continue;
    }
    const crash = crashes[index];
    if (crash) current.state.crashAt = { call: current.state.calls + crash.afterCalls, effect: crash.effect };
    if (s.kind === "move") {
      const price = (await mark(s.symbol)).mul(1 + s.pct / 100).toDecimalPlaces(2);
      await exchange.setMarkPrice(s.symbol, price.toFixed());
      // Stops that fired are applied by the desk from the exchange's events.
      await current.desk.accountEvents.idle();
      if (current.state.crashed) await restart();
      if (deafFor > 0) current.desk.accountEvents.stop();
      current.state.crashAt = null;
      continue;
    }
    const clientOrderId = randomUUID();
    const attempt = async (desk: TradingDeskInstance): Promise<unknown> => {
      const position = await openPosition(s.symbol);
      const price = await mark(s.symbol);
      switch (s.kind) {
        case "open": {
          const side = s.side === "BUY" ? "LONG" : "SHORT";
          return desk.orders.create(userId, {
            accountId,
            clientOrderId,
            symbol: s.symbol,
            side: s.side,
            type: "MARKET",
            quantity: new Decimal(s.quantity),
            ...(s.stopPct ? { stopLoss: level(price, side, "stop", s.stopPct) } : {}),
            ...(s.takePct ? { takeProfit: level(price, side, "take", s.takePct) } : {}),
          });
        }
        case "limit": {
          if (position) return null;
          const below = s.side === "BUY";
          return desk.orders.create(userId, {
            accountId,
            clientOrderId,
            symbol: s.symbol,
            side: s.side,
            type: "LIMIT",
            quantity: new Decimal(s.quantity),
            price: price.mul(below ? 1 - s.pct / 100 : 1 + s.pct / 100).toDecimalPlaces(2),
          });
        }
        case "add":
          if (!position) return null;
          return desk.orders.create(userId, {
            accountId,
            clientOrderId,
            symbol: s.symbol,
            side: position.side === "LONG" ? "BUY" : "SELL",
            type: "MARKET",
            quantity: new Decimal(s.quantity),
          });
        case "close":
          if (!position) return null;
          return desk.positions.close(userId, { positionId: position.id, clientOrderId });
        case "modify":
          if (!position) return null;
          return desk.positions.modifySlTp(userId, {
            positionId: position.id,
            stopLoss: s.stopPct === null ? null : level(price, position.side, "stop", s.stopPct),
            takeProfit: s.takePct === null ? null : level(price, position.side, "take", s.takePct),
          });
      }
    };
    // Retried with the same clientOrderId until answered, through a restarted desk after a crash.
    for (let tries = 0; tries < 40; tries++) {
      try {
        await attempt(current.desk);
        break;
      } catch (error) {
        if (current.state.crashed) await restart();
        if (!isRetryable(error)) break;
      }
    }
    // A crash whose error the desk swallowed (a warning) still ends that process.
    if (current.state.crashed) await restart();
    if (deafFor > 0) current.desk.accountEvents.stop();
    current.state.crashAt = null;
  }

  // The exchange is well again; whatever was left unsettled is the reconciler's.
  plan.faults = ["none"];
  await current.desk.accountEvents.idle();
  clock += 10 * 60_000; // past the intents' grace and any lease a crashed run left behind
  const report = await current.desk.reconciler.run(accountId, "MANUAL");
  expect(report?.outcome, String(report?.error)).toBe("OK");
  await current.desk.accountEvents.idle();
  current.desk.accountEvents.stop();
  current.cache.stop();
  return { accountId };
}

async function expectConverged(accountId: string) {
  const ref = { id: accountId };
  const open = await exchange.getOpenOrders(ref);
  const rows = await prisma.order.findMany({ where: { accountId } });
  const byClientOrderId = new Map(rows.map((row) => [row.clientOrderId, row]));
  // Every order live on the exchange has a live row of the desk's own (none mistaken for external).
  for (const order of open) {
    expect(
      byClientOrderId.get(order.clientOrderId),
      `row of open order ${order.clientOrderId}`,
    ).toMatchObject({
      status: order.status,
    });
  }
  expect(rows.filter((row) => row.role === "EXTERNAL")).toEqual([]);
  // Every row says what the exchange says of its order; one the exchange never took is settled too.
  for (const row of rows) {
    const kind = row.type === "STOP_MARKET" || row.type === "TAKE_PROFIT_MARKET" ? "trigger" : "regular";
    const found = await exchange.getOrder(ref, {
      symbol: row.symbol,
      clientOrderId: row.clientOrderId,
      kind,
    });
    if (found) {
      expect([row.clientOrderId, row.status, toDecimal(row.filledQuantity).toFixed()]).toEqual([
        found.clientOrderId,
        found.status,
        found.filledQuantity.toFixed(),
      ]);
    } else
      expect([row.clientOrderId, row.status]).toEqual([
        row.clientOrderId,
        expect.stringMatching(/REJECTED|CANCELED/),
      ]);
  }
  // Every live row is live on the exchange; nothing is left unsettled.
  const openIds = new Set(open.map((order) => order.clientOrderId));
  const live = rows.filter((row) =>
    ["PENDING", "NEW", "PARTIALLY_FILLED", "PENDING_CANCEL"].includes(row.status),
  );
  expect(live.filter((row) => !openIds.has(row.clientOrderId)).map((row) => [row.role, row.status])).toEqual(
    [],
  );
  // Positions: the same symbols, sides and quantities.
  const snapshot = await exchange.getAccountSnapshot(ref);
  const positions = await prisma.position.findMany({ where: { accountId, status: "OPEN" } });
  const shape = (p: { symbol: string; side: string; quantity: { toString(): string } }) =>
    `${p.symbol} ${p.side} ${toDecimal(p.quantity).toFixed()}`;
  expect(positions.map(shape).sort()).toEqual(snapshot.positions.map(shape).sort());
  // Realized PnL: what the desk booked is what the exchange booked (and what the wallet moved).
  const all = await prisma.position.findMany({ where: { accountId } });
  const booked = sum(all.map((p) => toDecimal(p.realizedPnl)));
  const trades = (
    await Promise.all(
      Object.keys(SYMBOLS).map((name) => exchange.getTrades(ref, { symbol: name, startTime: 0 })),
    )
  ).flat();
  const exchangeRealized = sum(trades.map((t) => toDecimal(t.realizedPnl)));
  const wallet = snapshot.balances.find((b) => b.asset === "USDT")!.walletBalance;
  expect(toDecimal(wallet).minus(START).toFixed()).toBe(exchangeRealized.toFixed());
  expect(booked.toFixed()).toBe(exchangeRealized.toFixed());
  expect(all.filter((p) => p.realizedPnlPending)).toEqual([]);
}

describe("the record converges with the exchange", () => {
  it("after random faults, crashes, retries by clientOrderId and one reconcile pass", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const { accountId } = await runScenario(s);
        await expectConverged(accountId);
      }),
      { numRuns: 40, seed: 20261130, endOnFailure: true },
    );
  }, 600_000);
});
