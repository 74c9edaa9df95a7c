import Decimal from "decimal.js";
import { createKeyedQueue } from "../../util/keyed-queue.ts";
import type { WeightBudget, WeightPriority } from "../binance/weight-budget.ts";
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
import { createMarket, DEFAULT_SYMBOLS, type Market, type MarketState } from "./market.ts";
import * as engine from "./matching-engine.ts";
import { createRequestWeightCounter, REQUEST_WEIGHT } from "./request-weight.ts";
import { symbolRulesFor } from "./symbol-rules.ts";

const OPERATION_PRIORITY: Record<SimulatedOperation, WeightPriority> = {
  getAccountSnapshot: "read",
  getMarkPrices: "read",
  placeOrder: "trade",
  // Set just before an order, on its behalf.
  setLeverage: "trade",
  getOrder: "trade",
  cancelOrders: "trade",
  getOpenOrders: "background",
  getTrades: "background",
  // An order waits on the rules (checked before it is sent): not background work here.
  getExchangeRules: "read",
};

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
  /** Leverage of a symbol the account never set; default 20 (Binance's default). */
  defaultLeverage?: number;
  /** Finished orders each account's book remembers (for getOrder and duplicate checks); default 2000. */
  finishedOrdersKept?: number;
  /** Answer 429 once the rolling-minute weight passes this (Binance USD-M: 2400); default no limit. */
  weightLimit1m?: number;
  /**
   * The caller's own request-weight budget (apps/server: one shared by every instance through
   * Redis), asked before each call like the Binance gateway asks its own; a refusal (429) sends
   * nothing. Priorities: orders and cancels trade; snapshots, prices and the rules (an order waits
   * on them) read; reconciliation's look-ups background.
   */
  weightBudget?: Pick<WeightBudget, "acquire">;
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
  /**
   * A counterparty takes `quantity` of a resting LIMIT order at its price (PARTIALLY_FILLED while
   * some is left) and the events go out, as a thin market fills it; not counted.
   */
  fillRestingOrder(
    account: ExchangeAccountRef,
    ref: { symbol: string; clientOrderId: string },
    quantity: string,
  ): Promise<void>;
  injectFault(fault: SimulatedFault, options?: FaultOptions): void;
  /** Drops the injected faults no call has taken yet. */
  clearFaults(): void;
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
/**
 * The walk's timer skips a step when the stored market stepped less than this share of
 * priceTickMs ago: every server instance runs the timer, the shared walk still moves once a tick.
 */
const WALK_STEP_DUE = 0.75;

type AccountListener = (event: AccountEvent) => void;
type BookChange<T> = { result: T; events: AccountEvent[]; changed: boolean };
/** What a change under the account's lock hands out once committed: its answer or its error. */
type Outcome<T> = { events: AccountEvent[] } & ({ ok: true; result: T } | { ok: false; error: unknown });
const NEEDS_INITIAL_BOOK = Symbol("needs initialBook");

export function createSimulatedExchange(options: SimulatedExchangeOptions = {}): SimulatedExchange {
  const timers = options.timers ?? globalTimers;
  const latencyMs = options.latencyMs ?? 120;
  const seed = options.seed ?? 1;
  const initialMarks = options.symbols ?? { ...DEFAULT_SYMBOLS };
  // The market itself without persistMarkPrices; with it, only the symbols and the start of a
  // market nobody has stored yet (the stored one is the market).
  const localMarket = createMarket(seed, initialMarks);
  const persisted = options.persistMarkPrices ?? false;
  const marketKeys: readonly string[] = persisted ? [MARKET_KEY] : [];
  const store = options.store ?? createMemoryBookStore();
  const startingBalance = new Decimal(options.startingBalance ?? "100000");
  const defaultLeverage = options.defaultLeverage ?? 20;
  const priceTickMs = options.priceTickMs ?? 1000;
  const reportError = options.onBackgroundError ?? (() => {});
  const faults = createFaultInjector();
  const counter = createRequestWeightCounter(() => timers.now());

  // No book is kept here: every operation reads the stored one, so all exchanges on one store
  // (server instances on one database) act on the same books.
  const accountListeners = new Map<string, Set<AccountListener>>();
  const markListeners = new Set<{ symbols: ReadonlySet<string>; listener: (tick: MarkPriceTick) => void }>();
  let bannedUntil = 0;
  let closed = false;
  // Calls refused because the exchange closed certainly did nothing: no reconciliation needed.
  const refusedWhileClosed = new WeakSet<Error>();

  /** The market as stored: a fresh copy per read, so concurrent operations never share one mid-step. */
  function marketOf(stored: unknown): Market {
    if (!persisted) return localMarket;
    const market = createMarket(seed, initialMarks);
    if (stored !== undefined && stored !== null) market.restore(stored);
    return market;
  }

  // The market row exists before any account change share-locks it, so a price step always waits
  // for the changes that read the previous price (see matchAll). Retried after a failure.
  let marketStored: Promise<void> | undefined;
  function storeMarketOnce(): Promise<void> {
    if (!persisted) return Promise.resolve();
    if (!marketStored) {
      const storing = serialize(MARKET_KEY, () =>
        store.update(MARKET_KEY, (stored) => ({
          state: stored === null ? localMarket.save() : undefined,
          result: undefined,
        })),
      );
      marketStored = storing;
      storing.catch(() => {
        if (marketStored === storing) marketStored = undefined;
      });
    }
    return marketStored;
  }

  const context = (accountId: string, market: Market): engine.EngineContext => ({
    accountId,
    now: timers.now(),
    mark: (symbol) => market.mark(symbol),
    hasSymbol: (symbol) => market.has(symbol),
    defaultLeverage,
    finishedOrdersKept: options.finishedOrdersKept ?? 2000,
  });

  const delay = (ms: number) =>
    ms <= 0 ? Promise.resolve() : new Promise<void>((resolve) => timers.setTimeout(resolve, ms));

  /**
   * One account's operations in this process run one at a time, in arrival order, like a matching
   * engine's queue (the store's lock orders them against other processes).
   */
  const serialize = createKeyedQueue();

  /**
   * Runs a change on the account's stored book under the store's lock, with the latest stored
   * market; commits it, then tells this process's listeners. Nothing is kept in memory, so a
   * failed write forgets the change and the next operation reads what was stored.
   */
  async function changeBook<T>(
    accountId: string,
    change: (book: Book, ctx: engine.EngineContext) => BookChange<T>,
  ): Promise<T> {
    await storeMarketOnce();
    let initial: InitialBook | null | undefined = options.initialBook ? undefined : null;
    for (;;) {
      const outcome = await store.update<Outcome<T> | typeof NEEDS_INITIAL_BOOK>(
        accountId,
        (stored, also) => {
          if (stored === null && initial === undefined) return { result: NEEDS_INITIAL_BOOK };
          const ctx = context(accountId, marketOf(also.get(MARKET_KEY)));
          const book = stored === null ? createBook(startingBalance, initial ?? null) : parseBook(stored);
          // What the market crossed since the book was last matched fills first (a restart on other
          // prices, a match whose write failed).
          const crossed = engine.matchOrders(book, ctx);
          const matched = stored === null || crossed.length > 0 ? serializeBook(book) : undefined;
          try {
            const done = change(book, ctx);
            return {
              state: done.changed ? serializeBook(book) : matched,
              result: { ok: true, result: done.result, events: [...crossed, ...done.events] },
            };
          } catch (error) {
            // A rejected call changes nothing, but the fills before it stand.
            return { state: matched, result: { ok: false, error, events: crossed } };
          }
        },
        { alsoRead: marketKeys },
      );
      if (outcome === NEEDS_INITIAL_BOOK) {
        // Asked outside the lock: the server's initialBook reads the database (on PGlite, one
        // connection, a query beside an open transaction would wait for it forever).
        initial = await options.initialBook!(accountId);
        continue;
      }
      emit(accountId, outcome.events);
      if (!outcome.ok) throw outcome.error;
      return outcome.result;
    }
  }

  function withBook<T>(accountId: string, change: (book: Book, ctx: engine.EngineContext) => BookChange<T>) {
    return serialize(accountId, () => changeBook(accountId, change));
  }

  /**
   * A read of the stored book without the lock. A book that does not exist yet, or has orders the
   * market has crossed, is a change: then it is made under the lock instead.
   */
  function readBook<T>(accountId: string, view: (book: Book, ctx: engine.EngineContext) => T): Promise<T> {
    return serialize(accountId, async () => {
      await storeMarketOnce();
      const rows = await store.read([accountId, ...marketKeys]);
      const stored = rows.get(accountId);
      if (stored !== undefined) {
        const book = parseBook(stored);
        const ctx = context(accountId, marketOf(rows.get(MARKET_KEY)));
        if (engine.matchOrders(book, ctx).length === 0) return view(book, ctx);
      }
      return changeBook(accountId, (book, ctx) => ({ result: view(book, ctx), events: [], changed: false }));
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
    await delay(latencyMs / 2);
    // A call still on its way in when close() ran never acts (its store may be closing too).
    refuseIfClosed();
    const now = timers.now();
    if (now < bannedUntil) {
      counter.record(operation, 0);
      throw new ExchangeBannedError(`${operation}: 418 this IP is banned`, bannedUntil - now);
    }
    if (options.weightBudget && weight > 0) {
      try {
        await options.weightBudget.acquire(weight, OPERATION_PRIORITY[operation]);
      } catch (error) {
        counter.record(operation, 0);
        throw error;
      }
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

  /**
   * Matches every stored book with open orders, whichever process last touched it. Each is read
   * without the lock and only locked when the market crossed one of its orders. Nothing is
   * missed: a change that read the previous market held the market row (FOR SHARE) until it
   * committed, so the step that called this waited for it and the read below sees its orders;
   * a later change reads the new market itself, and every change matches its book first.
   */
  async function matchAll() {
    const accounts = await store.accountsWithOpenOrders();
    await Promise.all(accounts.map((accountId) => readBook(accountId, () => undefined)));
  }

  /**
   * Moves the market (persisted: under the market row's lock, from the latest stored state), tells
   * the mark listeners, then matches the books. `walk`: a step of the timer's walk, skipped when
   * another instance has just stepped the shared market.
   */
  async function moveMarket(
    move: (market: Market) => void,
    symbols: readonly string[],
    walk?: "timer" | "manual",
  ): Promise<void> {
    let moved: Market | null = localMarket;
    if (!persisted) {
      move(localMarket);
    } else {
      await storeMarketOnce();
      moved = await serialize(MARKET_KEY, () =>
        store.update(MARKET_KEY, (stored) => {
          const now = timers.now();
          const walkedAt = (stored as { walkedAt?: unknown } | null)?.walkedAt;
          const recent =
            typeof walkedAt === "number" && now >= walkedAt && now - walkedAt < priceTickMs * WALK_STEP_DUE;
          if (walk === "timer" && recent) return { result: null };
          const market = marketOf(stored);
          move(market);
          // Symbols this instance does not list stay as stored: another instance may list them.
          const previous = stored as Partial<MarketState> | null;
          const saved = market.save();
          const state = {
            marks: { ...previous?.marks, ...saved.marks },
            generators: { ...previous?.generators, ...saved.generators },
            ...(walk ? { walkedAt: now } : typeof walkedAt === "number" ? { walkedAt } : {}),
          };
          return { state, result: market };
        }),
      );
    }
    if (!moved) return;
    publishMarks(moved, symbols);
    await matchAll();
  }

  function publishMarks(market: Market, symbols: readonly string[]) {
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
    if (!localMarket.has(symbol)) throw new ExchangeRejectedError(`symbol: ${symbol} is not listed`, -1121);
  }

  const exchange: SimulatedExchange = {
    name: "simulated",
    symbols: localMarket.symbols,

    getAccountSnapshot(account) {
      return request("getAccountSnapshot", REQUEST_WEIGHT.getAccountSnapshot, () =>
        readBook(account.id, (book, ctx) => engine.snapshot(book, ctx)),
      );
    },

    placeOrder(account, order) {
      return placeWithReconciliation({
        place: () =>
          request("placeOrder", REQUEST_WEIGHT.placeOrder, () =>
            withBook(account.id, (book, ctx) => {
              const placed = engine.placeOrder(book, order, ctx);
              return { result: placed.order, events: placed.events, changed: true };
            }),
          ),
        lookup: () =>
          exchange.getOrder(account, {
            symbol: order.symbol,
            clientOrderId: order.clientOrderId,
            kind: engine.orderKind(order.type),
          }),
        isUnknownOutcome: (error) =>
          error instanceof ExchangeUnavailableError && !refusedWhileClosed.has(error),
        clientOrderId: order.clientOrderId,
      });
    },

    setLeverage(account, leverage) {
      return request("setLeverage", REQUEST_WEIGHT.setLeverage, () =>
        withBook(account.id, (book, ctx) => ({
          result: engine.setLeverage(book, leverage, ctx),
          events: [],
          changed: true,
        })),
      );
    },

    getOrder(account, ref) {
      return request("getOrder", REQUEST_WEIGHT.getOrder, () =>
        readBook(account.id, (book) => {
          const order = engine.findOrder(book, ref);
          return order ? { ...order } : null;
        }),
      );
    },

    getOpenOrders(account) {
      return request("getOpenOrders", REQUEST_WEIGHT.getOpenOrders, () => exchange.openOrders(account));
    },

    getTrades(account, query) {
      return request("getTrades", REQUEST_WEIGHT.getTrades, () =>
        readBook(account.id, (book) => engine.trades(book, query)),
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
        const market = marketOf((await store.read(marketKeys)).get(MARKET_KEY));
        return new Map(symbols.map((symbol) => [symbol, market.mark(symbol)]));
      });
    },

    subscribeAllMarkPrices(listener): Unsubscribe {
      return exchange.subscribeMarkPrices(localMarket.symbols, listener);
    },

    getExchangeRules() {
      return request("getExchangeRules", REQUEST_WEIGHT.getExchangeRules, async () => ({
        symbols: localMarket.symbols.map(symbolRulesFor),
        asOf: timers.now(),
      }));
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
      // Bootstraps a new book (initialBook) and fills what the market crossed, as a first call would.
      readBook(account.id, () => undefined).catch(reportError);
      return () => {
        listeners.delete(listener);
      };
    },

    async setMarkPrice(symbol, price) {
      requireSymbol(symbol);
      const mark = new Decimal(price);
      if (!mark.isFinite() || mark.lte(0))
        throw new ExchangeRejectedError("price: must be greater than zero");
      await moveMarket((market) => market.setMark(symbol, mark), [symbol]);
    },

    tick: () => moveMarket((market) => market.step(), localMarket.symbols, "manual"),

    async fillRestingOrder(account, ref, quantity) {
      await withBook(account.id, (book, ctx) => ({
        result: undefined,
        events: engine.fillRestingPart(book, ref, new Decimal(quantity), ctx),
        changed: true,
      }));
    },

    injectFault: (fault, faultOptions) => faults.inject(fault, faultOptions),
    clearFaults: () => faults.clear(),
    stats: () => counter.stats(),
    resetStats: () => counter.reset(),

    openOrders(account) {
      return readBook(account.id, (book) => engine.openOrders(book));
    },

    trades(account, query) {
      return readBook(account.id, (book) => engine.trades(book, query));
    },

    async close() {
      closed = true;
      if (walk !== undefined) timers.clearInterval(walk);
      markListeners.clear();
      accountListeners.clear();
      await walking;
      await serialize.idle();
    },
  };

  // The walk in flight, so close() waits for it.
  let walking: Promise<void> | undefined;
  const walk =
    priceTickMs > 0
      ? timers.setInterval(() => {
          if (walking || closed) return;
          walking = moveMarket((market) => market.step(), localMarket.symbols, "timer")
            .catch(reportError)
            .finally(() => {
              walking = undefined;
            });
        }, priceTickMs)
      : undefined;
  // The random walk never keeps the process alive on its own.
  (walk as { unref?: () => void } | undefined)?.unref?.();

  return exchange;
}
