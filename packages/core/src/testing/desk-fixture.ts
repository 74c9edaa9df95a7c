// Test fixture for the domain: a fresh database, the simulated exchange, a cache on a manual
// clock and the desk over them. Real code throughout; only the clock is ours.
import { randomBytes, randomUUID } from "node:crypto";
import { hashPassword } from "@tradedesk/db";
import { createTestDatabase } from "@tradedesk/db/testing";
import Decimal from "decimal.js";
import { createPositionsCache, exactClock } from "../cache/index.ts";
import type { LimitOrderCommand, MarketOrderCommand } from "../domain/commands.ts";
import type { DeskLogger } from "../domain/deps.ts";
import { createTradingDesk } from "../domain/desk.ts";
import { createBinanceGateway } from "../exchange/binance/index.ts";
import { type FakeBinanceOptions, startFakeBinance } from "../exchange/binance/testing/index.ts";
import type { ExchangeGateway, OrderSide, PlaceOrderRequest } from "../exchange/gateway.ts";
import { createSimulatedExchange, type SimulatedExchange } from "../exchange/simulated/index.ts";
import { createCredentialsCipher } from "../secrets/index.ts";

export const TEST_PASSWORD = "correct horse battery staple";
let passwordHash: Promise<string> | null = null;

export interface DeskFixtureOptions {
  /** The exchange's symbols and their first marks (default: the simulated exchange's list). */
  symbols?: Record<string, string>;
  onQuery?: (sql: string) => void;
  staleIfErrorMs?: number;
}

export async function createDeskFixture(options: DeskFixtureOptions = {}) {
  const db = await createTestDatabase(options.onQuery ? { onQuery: options.onQuery } : {});
  let clock = Date.parse("2026-11-24T10:00:00.000Z");
  const exchange = createSimulatedExchange({
    seed: 7,
    ...(options.symbols ? { symbols: options.symbols } : {}),
    latencyMs: 0,
    priceTickMs: 0,
    timers: manualTimers(() => clock),
  });

  /** Every exchange call the desk made, in order: "setLeverage:5", "placeOrder:STOP_MARKET", "cancelOrders:2"... */
  const calls: string[] = [];
  const hooks: ExchangeHooks = {};
  const logged: { level: "warn" | "error"; message: string }[] = [];
  // What the cache cannot throw to a caller (a stale value stood in for a failed load) goes to
  // the test's log, not to a process warning on the test output.
  const cache = createPositionsCache({
    ttlMs: 3_000,
    clock: exactClock(() => clock),
    onError: (error, source) => logged.push({ level: "warn", message: `cache ${source}: ${String(error)}` }),
  });
  const logger: DeskLogger = {
    warn: (_details, message) => logged.push({ level: "warn", message }),
    error: (_details, message) => logged.push({ level: "error", message }),
  };
  const desk = createTradingDesk({
    prisma: db.prisma,
    cache,
    gateways: { SIMULATED: observed(exchange, calls, hooks) },
    now: () => new Date(clock),
    logger,
    markPriceThrottleMs: 0,
    ...(options.staleIfErrorMs ? { staleIfErrorMs: options.staleIfErrorMs } : {}),
  });
  let traders = 0;
  /** A user with one simulated exchange account. */
  async function createTrader(email = `trader${++traders}@example.com`) {
    passwordHash ??= hashPassword(TEST_PASSWORD);
    const user = await db.prisma.user.create({
      data: {
        email,
        passwordHash: await passwordHash,
        accounts: { create: { exchange: "SIMULATED", label: "Simulated" } },
      },
      include: { accounts: true },
    });
    return { userId: user.id, accountId: user.accounts[0]!.id, email };
  }

  return {
    db,
    prisma: db.prisma,
    exchange,
    calls,
    hooks,
    cache,
    desk,
    logged,
    advance(ms: number) {
      clock += ms;
    },
    createTrader,
    /** Another simulated exchange account of the user; its id. */
    async addAccount(userId: string, label: string) {
      return (await db.prisma.exchangeAccount.create({ data: { userId, exchange: "SIMULATED", label } })).id;
    },
    /**
     * A trader with one Binance account on a fake Binance of their own (playing the demo servers),
     * and a desk with that gateway beside the simulated one, on this fixture's database. With
     * `now`, the desk, the gateway, the fake and its engine all read that clock (a test moves it);
     * the database's own now() (orders' createdAt) stays the real one.
     */
    async binanceTrader(fakeOptions: FakeBinanceOptions = {}, clock: { now?: () => number } = {}) {
      const now = clock.now;
      const fake = await startFakeBinance(
        now
          ? {
              engine: createSimulatedExchange({ latencyMs: 0, priceTickMs: 0, timers: manualTimers(now) }),
              now,
              ...fakeOptions,
            }
          : fakeOptions,
      );
      const binance = createBinanceGateway({
        baseUrl: fake.url,
        wsBaseUrl: fake.wsUrl,
        testnet: true,
        ...(now ? { now } : {}),
      });
      const binanceDesk = createTradingDesk({
        ...(now ? { now: () => new Date(now()) } : {}),
        prisma: db.prisma,
        cache: createPositionsCache({ ttlMs: 3_000 }),
        gateways: { SIMULATED: exchange, BINANCE_USDM: binance },
        credentialsCipher: createCredentialsCipher(randomBytes(32).toString("base64")),
        logger: { warn: () => {}, error: () => {} },
        reconcile: { setTimeout: () => null, clearTimeout: () => {} },
      });
      const { userId } = await createTrader();
      const { id: accountId } = await binanceDesk.accounts.add(userId, {
        exchange: "BINANCE_USDM",
        label: "Binance",
        apiKey: fake.apiKey,
        apiSecret: fake.apiSecret,
        testnet: true,
      });
      return {
        fake,
        gateway: binance,
        desk: binanceDesk,
        userId,
        accountId,
        async close() {
          await binance.close();
          await fake.close();
        },
      };
    },
    async close() {
      desk.accountEvents.stop();
      cache.stop();
      await exchange.close();
      await db.close();
    },
  };
}

export type DeskFixture = Awaited<ReturnType<typeof createDeskFixture>>;

/** The simulated exchange's timers on our clock; with latency 0 and no price walk none fire. */
export function manualTimers(now: () => number) {
  return {
    setTimeout: (callback: () => void, ms: number) => globalThis.setTimeout(callback, ms),
    clearTimeout: (handle: unknown) => globalThis.clearTimeout(handle as NodeJS.Timeout),
    setInterval: (callback: () => void, ms: number) => globalThis.setInterval(callback, ms),
    clearInterval: (handle: unknown) => globalThis.clearInterval(handle as NodeJS.Timeout),
    now,
  };
}

/** A promise that resolves at the next call of the returned callback (no sleeps in tests). */
export function nextCall<T extends unknown[]>(): { promise: Promise<T>; callback: (...args: T) => void } {
  let resolve!: (args: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, callback: (...args: T) => resolve(args) };
}

export interface ExchangeHooks {
  /** Runs after the exchange accepted an order, before the desk sees the answer (e.g. move the market). */
  afterPlaceOrder?: (request: PlaceOrderRequest) => Promise<void>;
}

/** The real simulated exchange, with its calls recorded in order and an optional hook. */
function observed(exchange: SimulatedExchange, calls: string[], hooks: ExchangeHooks): ExchangeGateway {
  return {
    name: exchange.name,
    getAccountSnapshot: (account) => exchange.getAccountSnapshot(account),
    async placeOrder(account, request) {
      calls.push(`placeOrder:${request.type}`);
      const order = await exchange.placeOrder(account, request);
      await hooks.afterPlaceOrder?.(request);
      return order;
    },
    setLeverage(account, request) {
      calls.push(`setLeverage:${request.leverage}`);
      return exchange.setLeverage(account, request);
    },
    getOrder: (account, ref) => exchange.getOrder(account, ref),
    getOpenOrders: (account) => exchange.getOpenOrders(account),
    getTrades: (account, query) => exchange.getTrades(account, query),
    cancelOrders(account, refs) {
      calls.push(`cancelOrders:${refs.length}`);
      return exchange.cancelOrders(account, refs);
    },
    getMarkPrices: (symbols) => exchange.getMarkPrices(symbols),
    subscribeMarkPrices: (symbols, listener) => exchange.subscribeMarkPrices(symbols, listener),
    subscribeAllMarkPrices: (listener) => exchange.subscribeAllMarkPrices(listener),
    getExchangeRules: () => exchange.getExchangeRules(),
    subscribeAccountEvents: (account, listener) => exchange.subscribeAccountEvents(account, listener),
    close: () => exchange.close(),
  };
}

/** A MARKET order command with a fresh clientOrderId; amounts as decimal strings for brevity. */
export function market(
  accountId: string,
  symbol: string,
  side: OrderSide,
  quantity: string,
  extra: { stopLoss?: string; takeProfit?: string; leverage?: number } = {},
): MarketOrderCommand {
  return {
    accountId,
    clientOrderId: randomUUID(),
    symbol,
    side,
    type: "MARKET",
    quantity: new Decimal(quantity),
    ...(extra.stopLoss ? { stopLoss: new Decimal(extra.stopLoss) } : {}),
    ...(extra.takeProfit ? { takeProfit: new Decimal(extra.takeProfit) } : {}),
    ...(extra.leverage ? { leverage: extra.leverage } : {}),
  };
}

/** A LIMIT order command resting at `price`, with a fresh clientOrderId. */
export function limit(
  accountId: string,
  symbol: string,
  side: OrderSide,
  quantity: string,
  price: string,
  extra: { leverage?: number } = {},
): LimitOrderCommand {
  return {
    accountId,
    clientOrderId: randomUUID(),
    symbol,
    side,
    type: "LIMIT",
    quantity: new Decimal(quantity),
    price: new Decimal(price),
    ...(extra.leverage ? { leverage: extra.leverage } : {}),
  };
}
