import Decimal from "decimal.js";
import {
  ExchangeBannedError,
  ExchangeRateLimitedError,
  ExchangeRejectedError,
  ExchangeUnavailableError,
} from "../errors.ts";
import type {
  AccountEvent,
  ExchangeAccountRef,
  ExchangeGateway,
  ExchangeOrder,
  MarkPriceTick,
  Unsubscribe,
} from "../gateway.ts";
import { placeWithReconciliation } from "../reconcile-order.ts";
import { type Book, createBook, type InitialBook, parseBook, serializeBook } from "./book.ts";
import { createMemoryBookStore, type SimulatedBookStore } from "./book-store.ts";
import {
  createFaultInjector,
  type FaultOptions,
  faultError,
  type SimulatedFault,
  type SimulatedOperation,
} from "./faults.ts";
import { createMarket, DEFAULT_SYMBOLS } from "./market.ts";
import * as engine from "./matching-engine.ts";
import { createRequestWeightCounter, REQUEST_WEIGHT } from "./request-weight.ts";

export interface SimulatedTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
  now(): number;
}

export interface SimulatedExchangeOptions {
  /** Seed of the mark-price random walk; default 1. */
  seed?: number;
  /** symbol -> initial mark price; default BTCUSDT 65000, ETHUSDT 3400, SOLUSDT 150, BNBUSDT, XRPUSDT, DOGEUSDT. */
  symbols?: Record<string, string>;
  /** Simulated REST round trip, half before and half after the exchange acts; default 120, 0 in tests. */
  latencyMs?: number;
  /** Random-walk interval; 0 = manual tick() only (tests); default 1000. */
  priceTickMs?: number;
  /** USDT for a new account book; default "100000". */
  startingBalance?: string;
  /** Leverage of a newly opened position; default 20 (Binance's default). */
  defaultLeverage?: number;
  /** Finished orders each account's book remembers (for getOrder and duplicate checks); default 2000. */
  finishedOrdersKept?: number;
  /** Answer 429 once the rolling-minute weight passes this (Binance USD-M: 2400); default no limit. */
  weightLimit1m?: number;
  /** Default in-memory. */
  store?: SimulatedBookStore;
  /**
   * Also keep the mark prices and the walk's state in the store (key "@market"), so a restart
   * carries on from the last prices instead of jumping back to `symbols`; default false.
   */
  persistMarkPrices?: boolean;
  /**
   * Called once when an account's book does not exist yet, to bootstrap it (the server passes the
   * DB's open positions and open protective orders so seeded data and the books agree).
   */
  initialBook?: (accountId: string) => Promise<InitialBook | null>;
  /** Default: the global timers at call time (so vi.useFakeTimers controls them) and Date.now. */
  timers?: SimulatedTimers;
  /** Failures nobody awaits (the random-walk timer, a listener that threw). Default: ignored. */
  onBackgroundError?: (error: unknown) => void;
}

export interface SimulatedExchange extends ExchangeGateway {
  readonly name: "simulated";
  /** Moves a mark price; runs limit and trigger matching and emits the events, as the market would. */
  setMarkPrice(symbol: string, price: string): Promise<void>;
  /** One random-walk step for every symbol. */
  tick(): Promise<void>;
  injectFault(fault: SimulatedFault, options?: FaultOptions): void;
  stats(): { calls: Record<string, number>; weight: number; usedWeight1m: number };
  resetStats(): void;
  /** Open (resting and trigger) orders of an account, for protocol layers over this engine; not counted. */
  openOrders(account: ExchangeAccountRef): Promise<ExchangeOrder[]>;
  /** An account's fills on a symbol since startTime, oldest first, for protocol layers over this engine; not counted. */
  trades(
    account: ExchangeAccountRef,
    query: Parameters<ExchangeGateway["getTrades"]>[1],
  ): ReturnType<ExchangeGateway["getTrades"]>;
  /** Listed symbols. */
  readonly symbols: readonly string[];
}

const globalTimers: SimulatedTimers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as NodeJS.Timeout),
  setInterval: (callback, ms) => globalThis.setInterval(callback, ms),
  clearInterval: (handle) => globalThis.clearInterval(handle as NodeJS.Timeout),
  now: () => Date.now(),
};

/** The store key of the market state; account ids are never this. */
const MARKET_KEY = "@market";

type AccountListener = (event: AccountEvent) => void;
type BookChange<T> = { result: T; events: AccountEvent[]; changed: boolean };

export function createSimulatedExchange(options: SimulatedExchangeOptions = {}): SimulatedExchange {
  const timers = options.timers ?? globalTimers;
  const latencyMs = options.latencyMs ?? 120;
  const market = createMarket(options.seed ?? 1, options.symbols ?? { ...DEFAULT_SYMBOLS });
  const store = options.store ?? createMemoryBookStore();
  const startingBalance = new Decimal(options.startingBalance ?? "100000");
  const defaultLeverage = options.defaultLeverage ?? 20;
  const reportError = options.onBackgroundError ?? (() => {});
  const faults = createFaultInjector();
  const counter = createRequestWeightCounter(() => timers.now());

  const books = new Map<string, Book>();
  // Accounts whose orders follow the market: every book loaded once, even if since forgotten
  // after a failed save (the next match reloads it, so its stop-losses never go dormant).
  const trading = new Set<string>();
  const queues = new Map<string, Promise<void>>();
  const accountListeners = new Map<string, Set<AccountListener>>();
  const markListeners = new Set<{ symbols: ReadonlySet<string>; listener: (tick: MarkPriceTick) => void }>();
  let bannedUntil = 0;
  let closed = false;
  // Calls refused because the exchange closed certainly did nothing: no reconciliation needed.
  const refusedWhileClosed = new WeakSet<Error>();

  // Nothing reads a mark before the stored market (if any) is restored.
  const ready = options.persistMarkPrices
    ? store.load(MARKET_KEY).then((stored) => {
        if (stored !== null) market.restore(stored);
      })
    : Promise.resolve();
  ready.catch(reportError);
  const saveMarket = () =>
    options.persistMarkPrices
      ? serialize(MARKET_KEY, () => store.save(MARKET_KEY, market.save()))
      : undefined;

  const context = (accountId: string): engine.EngineContext => ({
    accountId,
    now: timers.now(),
    mark: (symbol) => market.mark(symbol),
    hasSymbol: (symbol) => market.has(symbol),
    defaultLeverage,
    finishedOrdersKept: options.finishedOrdersKept ?? 2000,
  });

  const delay = (ms: number) =>
    ms <= 0 ? Promise.resolve() : new Promise<void>((resolve) => timers.setTimeout(resolve, ms));

  /** One account's operations run one at a time, in arrival order, like a matching engine's queue. */
  function serialize<T>(accountId: string, task: () => Promise<T>): Promise<T> {
    const run = (queues.get(accountId) ?? Promise.resolve()).then(task);
    const tail = run.then(
      () => {},
      () => {},
    );
    queues.set(accountId, tail);
    void tail.then(() => {
      if (queues.get(accountId) === tail) queues.delete(accountId);
    });
    return run;
  }

  async function loadBook(accountId: string): Promise<{ book: Book; events: AccountEvent[] }> {
    const cached = books.get(accountId);
    if (cached) return { book: cached, events: [] };
    await ready;
    const stored = await store.load(accountId);
    const book =
      stored === null
        ? createBook(startingBalance, options.initialBook ? await options.initialBook(accountId) : null)
        : parseBook(stored);
    // Whatever the market crossed while this book was not loaded fills now.
    const events = engine.matchOrders(book, context(accountId));
    if (stored === null || events.length > 0) await store.save(accountId, serializeBook(book));
    books.set(accountId, book);
    trading.add(accountId);
    return { book, events };
  }

  /** Runs a change on the account's book under its queue; persists it, then tells the listeners. */
  function withBook<T>(accountId: string, change: (book: Book, ctx: engine.EngineContext) => BookChange<T>) {
    return serialize(accountId, async () => {
      const loaded = await loadBook(accountId);
      emit(accountId, loaded.events);
      const outcome = change(loaded.book, context(accountId));
      if (outcome.changed) {
        try {
          await store.save(accountId, serializeBook(loaded.book));
        } catch (error) {
          // Memory and store disagree now: forget the book so the next call reloads what was stored.
          books.delete(accountId);
          throw error;
        }
      }
      emit(accountId, outcome.events);
      return outcome.result;
    });
  }

  function emit(accountId: string, events: readonly AccountEvent[]) {
    const listeners = accountListeners.get(accountId);
    if (!listeners) return;
    for (const event of events) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (error) {
          reportError(error);
        }
      }
    }
  }

  /** A REST call: counted and weighed, latency, faults, the IP ban and the weight limit. */
  async function request<T>(
    operation: SimulatedOperation,
    weight: number,
    perform: () => Promise<T>,
  ): Promise<T> {
    const refuseIfClosed = () => {
      if (!closed) return;
      const error = new ExchangeUnavailableError(`${operation}: the simulated exchange is closed`);
      refusedWhileClosed.add(error);
      throw error;
    };
    refuseIfClosed();
    await ready;
    await delay(latencyMs / 2);
    // A call still on its way in when close() ran never acts (its store may be closing too).
    refuseIfClosed();
    const now = timers.now();
    if (now < bannedUntil) {
      counter.record(operation, 0);
      throw new ExchangeBannedError(`${operation}: 418 this IP is banned`, bannedUntil - now);
    }
    const retryAfterMs = counter.record(operation, weight, options.weightLimit1m);
    if (retryAfterMs > 0) {
      throw new ExchangeRateLimitedError(`${operation}: 429 request weight over the limit`, retryAfterMs);
    }
    const fault = faults.take(operation);
    if (fault?.kind === "banned") bannedUntil = now + fault.retryAfterMs;
    if (fault && fault.kind !== "server-error-after-accept") throw faultError(fault, operation);
    const result = await perform();
    await delay(latencyMs / 2);
    // The exchange acted; only the answer is lost.
    if (fault) throw faultError(fault, operation);
    return result;
  }

  async function matchAll(symbols?: ReadonlySet<string>) {
    await Promise.all(
      [...trading].map((accountId) =>
        withBook(accountId, (book, ctx) => {
          const events = engine.matchOrders(book, ctx, symbols);
          return { result: undefined, events, changed: events.length > 0 };
        }),
      ),
    );
  }

  function publishMarks(symbols: Iterable<string>) {
    const at = timers.now();
    for (const symbol of symbols) {
      const tick = { symbol, markPrice: market.mark(symbol), at };
      for (const { symbols: wanted, listener } of markListeners) {
        if (!wanted.has(symbol)) continue;
        try {
          listener(tick);
        } catch (error) {
          reportError(error);
        }
      }
    }
  }

  function requireSymbol(symbol: string) {
    if (!market.has(symbol)) throw new ExchangeRejectedError(`symbol: ${symbol} is not listed`, -1121);
  }

  const exchange: SimulatedExchange = {
    name: "simulated",
    symbols: market.symbols,

    getAccountSnapshot(account) {
      return request("getAccountSnapshot", REQUEST_WEIGHT.getAccountSnapshot, () =>
        withBook(account.id, (book, ctx) => ({
          result: engine.snapshot(book, ctx),
          events: [],
          changed: false,
        })),
      );
    },

    placeOrder(account, order) {
      return placeWithReconciliation(
        () =>
          request("placeOrder", REQUEST_WEIGHT.placeOrder, () =>
            withBook(account.id, (book, ctx) => {
              const placed = engine.placeOrder(book, order, ctx);
              return { result: placed.order, events: placed.events, changed: true };
            }),
          ),
        () =>
          exchange.getOrder(account, {
            symbol: order.symbol,
            clientOrderId: order.clientOrderId,
            kind: engine.orderKind(order.type),
          }),
        (error) => error instanceof ExchangeUnavailableError && !refusedWhileClosed.has(error),
        order.clientOrderId,
      );
    },

    getOrder(account, ref) {
      return request("getOrder", REQUEST_WEIGHT.getOrder, () =>
        withBook(account.id, (book) => {
          const order = engine.findOrder(book, ref);
          return {
            result: order ? { ...order } : null,
            events: [],
            changed: false,
          };
        }),
      );
    },

    getOpenOrders(account) {
      return request("getOpenOrders", REQUEST_WEIGHT.getOpenOrders, () => exchange.openOrders(account));
    },

    getTrades(account, query) {
      return request("getTrades", REQUEST_WEIGHT.getTrades, () =>
        withBook(account.id, (book) => ({ result: engine.trades(book, query), events: [], changed: false })),
      );
    },

    async cancelOrders(account, refs) {
      if (refs.length === 0) return [];
      const triggers = refs.filter((ref) => ref.kind === "trigger").length;
      const weight =
        Math.ceil((refs.length - triggers) / 10) * REQUEST_WEIGHT.cancelBatch +
        triggers * REQUEST_WEIGHT.cancelTrigger;
      return request("cancelOrders", weight, () =>
        withBook(account.id, (book, ctx) => {
          const cancelled = engine.cancelOrders(book, refs, ctx);
          return {
            result: cancelled.results,
            events: cancelled.events,
            changed: cancelled.events.length > 0,
          };
        }),
      );
    },

    getMarkPrices(symbols) {
      // What the Binance gateway spends: premiumIndex per symbol (1 each) or for all symbols (10),
      // whichever is cheaper.
      const weight = Math.min(
        new Set(symbols).size * REQUEST_WEIGHT.markPriceOne,
        REQUEST_WEIGHT.markPriceAll,
      );
      return request("getMarkPrices", weight, async () => {
        for (const symbol of symbols) requireSymbol(symbol);
        return new Map(symbols.map((symbol) => [symbol, market.mark(symbol)]));
      });
    },

    subscribeMarkPrices(symbols, listener): Unsubscribe {
      const entry = { symbols: new Set(symbols), listener };
      markListeners.add(entry);
      return () => markListeners.delete(entry);
    },

    subscribeAccountEvents(account, listener): Unsubscribe {
      let listeners = accountListeners.get(account.id);
      if (!listeners) {
        listeners = new Set();
        accountListeners.set(account.id, listeners);
      }
      listeners.add(listener);
      // Load the book so its stop-losses and take-profits follow the market from now on.
      withBook(account.id, () => ({ result: undefined, events: [], changed: false })).catch(reportError);
      return () => {
        listeners.delete(listener);
      };
    },

    async setMarkPrice(symbol, price) {
      await ready;
      requireSymbol(symbol);
      const mark = new Decimal(price);
      if (!mark.isFinite() || mark.lte(0))
        throw new ExchangeRejectedError("price: must be greater than zero");
      market.setMark(symbol, mark);
      publishMarks([symbol]);
      await Promise.all([saveMarket(), matchAll(new Set([symbol]))]);
    },

    async tick() {
      await ready;
      market.step();
      publishMarks(market.symbols);
      await Promise.all([saveMarket(), matchAll()]);
    },

    injectFault: (fault, faultOptions) => faults.inject(fault, faultOptions),
    stats: () => counter.stats(),
    resetStats: () => counter.reset(),

    openOrders(account) {
      return withBook(account.id, (book) => ({
        result: engine.openOrders(book),
        events: [],
        changed: false,
      }));
    },

    trades(account, query) {
      return withBook(account.id, (book) => ({
        result: engine.trades(book, query),
        events: [],
        changed: false,
      }));
    },

    async close() {
      closed = true;
      if (walk !== undefined) timers.clearInterval(walk);
      markListeners.clear();
      accountListeners.clear();
      await Promise.all(queues.values());
    },
  };

  const priceTickMs = options.priceTickMs ?? 1000;
  let stepping = false;
  const walk =
    priceTickMs > 0
      ? timers.setInterval(() => {
          if (stepping || closed) return;
          stepping = true;
          exchange
            .tick()
            .catch(reportError)
            .finally(() => {
              stepping = false;
            });
        }, priceTickMs)
      : undefined;
  // The random walk never keeps the process alive on its own.
  (walk as { unref?: () => void } | undefined)?.unref?.();

  return exchange;
}
