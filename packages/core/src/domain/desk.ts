import type { PrismaClient } from "@tradedesk/db";
import type { PositionsCache } from "../cache/index.ts";
import { ExchangeUnavailableError } from "../exchange/errors.ts";
import {
  createExchangeRulesCache,
  createPriceFeed,
  type ExchangeRulesCache,
  type PriceFeed,
} from "../market/index.ts";
import { createReconciler, type ReconcilerOptions } from "../reconcile/index.ts";
import type { CredentialsCipher } from "../secrets/index.ts";
import { createAccountBalances } from "./account-balances.ts";
import { createAccountEvents } from "./account-events.ts";
import { createBalancesService } from "./balances.ts";
import { cancelOrders } from "./cancel-orders.ts";
import { dailyPnl, historySummary } from "./daily-pnl.ts";
import type { DeskDeps, DeskLogger, Gateways } from "./deps.ts";
import { createExchangeAccountAdmin } from "./exchange-account-admin.ts";
import { closedPositions, openOrders, quote, trades } from "./history.ts";
import { historySymbols } from "./history-symbols.ts";
import { watchMarkPrices } from "./mark-price-watch.ts";
import { listSymbols } from "./market-symbols.ts";
import { createPerUserQueue } from "./one-at-a-time.ts";
import { createOrdersService } from "./orders.ts";
import { createPositionsService } from "./positions.ts";
import type { TradingDesk, UserDataChangedListener } from "./trading-desk.ts";
import { createUsersService } from "./users.ts";

export interface TradingDeskOptions {
  prisma: PrismaClient;
  cache: PositionsCache;
  gateways: Gateways;
  /** Decrypts Binance keys when a request is signed; not needed for the simulated exchange. */
  credentialsCipher?: CredentialsCipher;
  now?: () => Date;
  logger?: DeskLogger;
  /** Serve the last balances, marked stale, up to this old when the exchange fails; default off. */
  staleIfErrorMs?: number;
  /** Mark-price pushes per subscriber at most once per this many ms; default 1000. */
  markPriceThrottleMs?: number;
  /** A mark price older than this is stale (the read says so, a REST refresh runs); default 5000. */
  markPriceMaxAgeMs?: number;
  /**
   * A lock around each of a user's queued runs (mutations, reconciliation, exchange events) shared
   * by every process: several servers on one database run one user's changes one at a time
   * (apps/server: a PostgreSQL advisory lock). Without it the order holds within this process.
   */
  userLock?: <T>(userId: string, run: () => Promise<T>) => Promise<T>;
  /** Reconciliation's schedule, budget and grace (reconcile/reconciler.ts); defaults there. */
  reconcile?: Omit<ReconcilerOptions, "runForUser">;
}

export type TradingDeskInstance = TradingDesk & {
  accountEvents: TradingDesk["accountEvents"] & { idle(): Promise<void> };
};

const consoleLogger: DeskLogger = {
  warn: (details, message) => console.warn(message, details),
  error: (details, message) => console.error(message, details),
};

/** Builds the desk the API serves: one per process (the server), one per test. */
export function createTradingDesk(options: TradingDeskOptions): TradingDeskInstance {
  const { cache } = options;
  const inProcess = createPerUserQueue();
  const { userLock } = options;
  const oneAtATime: typeof inProcess = userLock
    ? (userId, run) => inProcess(userId, () => userLock(userId, run))
    : inProcess;
  // Bound below, once the reconciler exists (it needs these deps too).
  let requestReconcile: DeskDeps["requestReconcile"] = () => {};
  const now = options.now ?? (() => new Date());
  const feeds = new Map<keyof Gateways, PriceFeed>();
  const rulesCaches = new Map<keyof Gateways, ExchangeRulesCache>();
  const gatewayOf = (exchange: keyof Gateways) => {
    const gateway = options.gateways[exchange];
    if (!gateway) throw new ExchangeUnavailableError(`no ${exchange} exchange is configured on this server`);
    return gateway;
  };
  const logger = options.logger ?? consoleLogger;
  const deps: DeskDeps = {
    prisma: options.prisma,
    cache,
    gateways: options.gateways,
    ...(options.credentialsCipher ? { credentialsCipher: options.credentialsCipher } : {}),
    accountBalances: createAccountBalances(),
    prices: (exchange) => {
      let feed = feeds.get(exchange);
      if (!feed) {
        const gateway = options.gateways[exchange];
        if (!gateway)
          throw new ExchangeUnavailableError(`no ${exchange} exchange is configured on this server`);
        feed = createPriceFeed({
          gateway,
          now: () => now().getTime(),
          ...(options.markPriceMaxAgeMs ? { maxAgeMs: options.markPriceMaxAgeMs } : {}),
          onRefreshError: (error) => logger.warn({ err: error, exchange }, "refreshing mark prices failed"),
        });
        feeds.set(exchange, feed);
      }
      return feed;
    },
    rules: (exchange) => {
      let rules = rulesCaches.get(exchange);
      if (!rules) {
        rules = createExchangeRulesCache({
          gateway: gatewayOf(exchange),
          now: () => now().getTime(),
          onRefreshError: (error) =>
            logger.warn({ err: error, exchange }, "refreshing the exchange's rules failed"),
        });
        rulesCaches.set(exchange, rules);
      }
      return rules;
    },
    now,
    logger,
    userDataChanged: async (userId) => {
      await cache.invalidate(userId);
    },
    requestReconcile: (accountId, trigger) => requestReconcile(accountId, trigger),
  };
  const reconciler = createReconciler(deps, { ...options.reconcile, runForUser: oneAtATime });
  requestReconcile = (accountId, trigger) => reconciler.request(accountId, trigger ?? "AFTER_MUTATION");
  const users = createUsersService(options.prisma);
  const orders = createOrdersService(deps);
  const positions = createPositionsService(deps);
  const accountAdmin = createExchangeAccountAdmin(deps);

  const onUserDataChanged = (listener: UserDataChangedListener) =>
    cache.onInvalidate((event) => {
      const what = event.dataType ?? "all data";
      listener(
        event.userId,
        event.origin === "local" ? `${what} changed` : `${what} changed on another server`,
      );
    });

  return {
    users: { authenticate: users.authenticate, get: users.get, findByEmail: users.findByEmail },
    accounts: {
      list: users.listAccounts,
      add: (userId, command) => oneAtATime(userId, () => accountAdmin.add(userId, command)),
      rename: (userId, command) => oneAtATime(userId, () => accountAdmin.rename(userId, command)),
      remove: (userId, accountId) => oneAtATime(userId, () => accountAdmin.remove(userId, accountId)),
    },
    market: {
      symbols: (userId, accountId) => listSymbols(deps, userId, accountId),
      quote: (userId, accountId, symbol) => quote(deps, userId, accountId, symbol),
    },
    balances: createBalancesService(
      deps,
      options.staleIfErrorMs ? { staleIfErrorMs: options.staleIfErrorMs } : {},
    ),
    orders: {
      create: (userId, command) => oneAtATime(userId, () => orders.create(userId, command)),
      list: orders.list,
      cancel: (userId, command) => oneAtATime(userId, () => cancelOrders(deps, userId, command)),
      open: (userId) => openOrders(deps, userId),
      trades: (userId, query) => trades(deps, userId, query),
    },
    positions: {
      close: (userId, command) => oneAtATime(userId, () => positions.close(userId, command)),
      modifySlTp: (userId, command) => oneAtATime(userId, () => positions.modifySlTp(userId, command)),
      closed: (userId, query) => closedPositions(deps, userId, query),
    },
    history: {
      daily: (userId, query) => dailyPnl(deps, userId, query),
      summary: (userId, query) => historySummary(deps, userId, query),
      symbols: (userId) => historySymbols(deps, userId),
    },
    cache: {
      metrics: () => cache.getMetrics(),
      invalidate: (userId, dataType) => cache.invalidate(userId, dataType),
    },
    onUserDataChanged,
    watchMarkPrices: async (userId, listener) => {
      // An open dashboard: its accounts are reconciled at the active interval while it is open.
      const unwatch = reconciler.watch(userId);
      const watch = await watchMarkPrices(deps, {
        throttleMs: options.markPriceThrottleMs ?? 1000,
        setTimeout: (callback, ms) => setTimeout(callback, ms),
        clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
        userId,
        onUserDataChanged,
        listener,
      });
      return Object.assign(
        () => {
          unwatch();
          watch();
        },
        { settled: watch.settled },
      );
    },
    accountEvents: createAccountEvents(deps, oneAtATime),
    reconciler,
  };
}
