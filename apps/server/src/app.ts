import { resolve } from "node:path";
import { appRouter, createApiGuard, createAppContextFactory, toTRPCError } from "@tradedesk/api";
import {
  createBinanceGateway,
  createCredentialsCipher,
  createPositionsCache,
  createPrismaBookStore,
  createSimulatedExchange,
  createTradingDesk,
  createWeightBudget,
  type ExchangeGateway,
  type Gateways,
  type InvalidationBus,
  loadInitialBook,
  type SimulatedExchange,
  type TradingDeskInstance,
} from "@tradedesk/core";
import {
  type Database,
  embeddedPgliteOf,
  isEmptyDatabase,
  maintainOrderPartitions,
  migrate,
  migrationStatus,
  openDatabase,
  orderPartitions,
  refreshDailyPnlView,
  seed,
} from "@tradedesk/db";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { withBusAwareTtl } from "./bus/bus-aware-cache.ts";
import { createEmbeddedNotifyBus } from "./bus/notify-bus.ts";
import { createRedisBus, type RedisBus } from "./bus/redis-bus.ts";
import { createRedisWeightCounter } from "./cluster/redis-weight-counter.ts";
import { createUserLocks, type UserLocks } from "./cluster/user-lock.ts";
import type { Config } from "./config.ts";
import { withLastKnownUsers } from "./degrade/last-known-users.ts";
import { serveEmbeddedSocket } from "./embedded/embedded-socket.ts";
import type { Readiness } from "./http/health.ts";
import { createHttpServer, type HttpServer } from "./http/http-server.ts";
import { createMetricsRegistry } from "./http/metrics.ts";
import { createLogger, withCacheLogging } from "./logging.ts";
import { createExchangeMetrics } from "./observability/exchange-metrics.ts";
import { mutationPaths } from "./observability/procedures.ts";
import { createUpkeepMetrics } from "./observability/upkeep-metrics.ts";
import { createDailyPnlRefresher } from "./upkeep/daily-pnl-refresh.ts";
import { createOrderPartitionUpkeep } from "./upkeep/order-partitions.ts";

/**
 * The whole product in one object: database (migrated, seeded when it is a new embedded one),
 * cache, exchange, trading desk and HTTP host. main.ts, the scripts and the tests all build it
 * here, so they run the same wiring.
 */
export interface App {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Database;
  readonly desk: TradingDeskInstance;
  /** The simulated exchange (tests move its prices); always there, Binance accounts aside. */
  readonly simulatedExchange: SimulatedExchange;
  readonly http: HttpServer;
  /**
   * Settles when the start-up reconciliation (every account once) has finished; until then
   * /readyz answers 503 "reconciling". Never rejects (a failure is logged).
   */
  readonly reconciled: Promise<void>;
  /** Builds a tRPC context for an Authorization header value (scripts, tests). */
  createContext: ReturnType<typeof createAppContextFactory>;
  /** Starts serving; resolves to the URL it listens on. */
  listen(): Promise<string>;
  /** Graceful: stops taking requests, finishes those in flight, stops timers, closes the database. */
  close(): Promise<void>;
}

export interface CreateAppOptions {
  /** Default: JSON logs at config.logLevel. */
  logger?: Logger;
  /** Prefix of the rate-limit counters in Redis (tests keep theirs apart). Default "tradedesk". */
  limitsKeyPrefix?: string;
  /** Invalidations to other processes when there is no Redis (the scripts beside an embedded server). */
  invalidationBus?: InvalidationBus;
  /**
   * The database's upkeep: orders partitions made ahead (at start and daily) and the daily PnL
   * view refreshed. Default true; the scripts turn it off: the server does it, and on the embedded
   * database its extra session would share the server's socket with the script's queries.
   */
  upkeep?: boolean;
}

export async function createApp(config: Config, options: CreateAppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.logLevel, config.logFormat === "pretty");
  for (const warning of config.warnings) logger.warn(warning);

  // The embedded database is locked to this process while open (packages/db): a second server or
  // a script on the same folder fails here with a message naming the owner.
  const db = await openDatabase({ url: config.databaseUrl, role: "DATABASE_URL" });
  const cleanups: (() => Promise<void> | void)[] = [() => db.close()];
  const closeAll = async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        logger.error({ err: error }, "error while shutting down");
      }
    }
  };
  try {
    const migrated = await migrate(db);
    if (migrated.applied.length > 0) logger.info({ applied: migrated.applied }, "database migrated");
    if (migrated.modified.length > 0) {
      logger.warn({ modified: migrated.modified }, "applied migrations were edited since; not re-run");
    }
    if (await isEmptyDatabase(db.prisma)) {
      if (config.embeddedDatabase || config.seedDemoData) {
        await seed(db.prisma);
        // The demo desk's closed positions are days old: into the daily view now, not at its next refresh.
        await refreshDailyPnlView(db);
        logger.info("empty database seeded with the demo desk (demo@example.com)");
      } else {
        logger.warn(
          "the database is empty: nobody can sign in; SEED_DEMO_DATA=true (or pnpm db:seed) adds the demo desk",
        );
      }
    }

    // Like the migrations, before serving: this month and the next ones get their orders
    // partition (a missing month's orders would land in the default partition), and months past
    // the retention are retired. Then daily.
    const upkeepMetrics = createUpkeepMetrics();
    const upkeepLogger = logger.child({ component: "upkeep" });
    const { monthsAhead, retentionMonths, retention } = config.orderPartitions;
    const partitionUpkeep = createOrderPartitionUpkeep({
      maintain: (now) =>
        maintainOrderPartitions(db, {
          now,
          monthsAhead,
          retention,
          ...(retentionMonths === null ? {} : { retentionMonths }),
        }),
      list: () => orderPartitions(db),
      onRun: ({ maintenance, partitions }) => {
        upkeepMetrics.partitionsListed(partitions);
        if (maintenance.created.length > 0 || maintenance.retired.length > 0) {
          upkeepLogger.info(
            { created: maintenance.created, retired: maintenance.retired, retention },
            "orders partitions maintained",
          );
        }
        if (partitions.defaultRows > 0) {
          upkeepLogger.warn(
            { defaultRows: partitions.defaultRows },
            "orders in the default partition: their month has no partition (SELECT ensure_order_partition('<month>-01') moves them)",
          );
        }
      },
      onError: (error) =>
        upkeepLogger.error({ err: error }, "orders partition maintenance failed; retried tomorrow"),
    });
    const upkeep = options.upkeep ?? true;
    if (upkeep) {
      await partitionUpkeep.run();
      partitionUpkeep.start();
      cleanups.push(() => partitionUpkeep.stop());
    }

    // Set once the cache exists; the bus reports its state changes to it.
    let onBusState: (up: boolean) => void = () => {};
    let bus: RedisBus | undefined;
    if (config.redisUrl) {
      const busLogger = logger.child({ component: "bus" });
      const redisBus = await createRedisBus({
        url: config.redisUrl,
        // Every reconnect attempt fails while Redis is away: the state change below is the news.
        onError: (error) => busLogger.debug({ err: error }, "redis invalidation bus error"),
        onInvalidMessage: (raw) => busLogger.warn({ raw }, "ignored a malformed invalidation message"),
        onStateChange: (state) => {
          if (state === "down") {
            busLogger.warn(
              { cacheTtlMs: config.cache.busDownTtlMs },
              "invalidation bus down: serving with the short TTL, cache dropped",
            );
          } else {
            busLogger.info("invalidation bus up again: cache dropped (messages may have been lost)");
          }
          onBusState(state === "up");
        },
      });
      bus = redisBus;
      cleanups.push(() => redisBus.close());
    }

    // The embedded database on disk is served on a local socket for the scripts (README: Running);
    // their invalidations come back over LISTEN/NOTIFY.
    let localBus: InvalidationBus | undefined = options.invalidationBus;
    const pglite = embeddedPgliteOf(db);
    if (!bus && pglite && config.databaseUrl.startsWith("file:")) {
      const notifyBus = await createEmbeddedNotifyBus(pglite, (raw) =>
        logger.warn({ raw }, "ignored a malformed invalidation message"),
      );
      cleanups.push(() => notifyBus.close());
      const socket = await serveEmbeddedSocket({
        pglite,
        dataDir: resolve(config.databaseUrl.slice("file:".length)),
        onNotification: notifyBus.deliver,
      });
      cleanups.push(() => socket.close());
      localBus = notifyBus;
      logger.info({ url: socket.url }, "embedded database served on a local socket (for the scripts)");
    }
    const cacheBus: InvalidationBus | undefined = bus ?? localBus;

    const rawCache = createPositionsCache({
      ttlMs: config.cache.ttlMs,
      cleanupIntervalMs: config.cache.cleanupIntervalMs,
      maxEntries: config.cache.maxEntries,
      ...(cacheBus ? { bus: cacheBus } : {}),
      onError: (error, source) => logger.warn({ err: error, source }, "cache background error"),
    });
    rawCache.startCleanup();
    cleanups.push(() => rawCache.stop());
    const busAware = withBusAwareTtl(rawCache, config.cache.busDownTtlMs);
    onBusState = (up) => {
      void busAware.setBusUp(up);
    };
    const cache = withCacheLogging(busAware.cache, logger);

    // Redis for the cluster's shared counters (exchange weight, sign-in and reload limits). No
    // offline queue: while Redis is away a command fails at once and each instance falls back to
    // its own counts instead of holding requests until Redis returns.
    let sharedRedis: Redis | undefined;
    if (config.redisUrl) {
      const client = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
      client.on("error", (error) => logger.debug({ err: error }, "redis (shared counters) error"));
      sharedRedis = client;
      cleanups.push(() => {
        client.disconnect();
      });
    }
    const budgetLogger = logger.child({ component: "weight-budget" });
    const weightBudget = (exchange: string) =>
      createWeightBudget({
        limitPerMinute: config.cluster.weightBudgetPerMinute,
        now: Date.now,
        ...(sharedRedis
          ? {
              shared: createRedisWeightCounter(
                sharedRedis,
                `${options.limitsKeyPrefix ?? "tradedesk"}:${exchange}`,
              ),
            }
          : {}),
        fallbackShare: 1 / config.cluster.instances,
        onSharedStateChange: (reachable) =>
          reachable
            ? budgetLogger.info({ exchange }, "shared weight budget reachable again")
            : budgetLogger.warn(
                { exchange, share: `1/${config.cluster.instances}` },
                "shared weight budget unreachable: spending this instance's share only",
              ),
      });

    const exchangeLogger = logger.child({ component: "exchange" });
    const simulatedExchange = createSimulatedExchange({
      ...(config.exchange.kind === "simulated"
        ? {
            seed: config.exchange.seed,
            latencyMs: config.exchange.latencyMs,
            priceTickMs: config.exchange.priceTickMs,
          }
        : {}),
      store: createPrismaBookStore(db.prisma),
      // After a restart the market carries on from its last prices instead of jumping back to
      // the defaults, which would fire stop-losses a trader set near the old price.
      persistMarkPrices: true,
      initialBook: loadInitialBook(db.prisma),
      weightBudget: weightBudget("simulated"),
      onBackgroundError: (error) =>
        exchangeLogger.error({ err: error }, "simulated exchange background error"),
    });
    // The desk talks to the exchanges through measuring proxies (calls, latency, weight, streams).
    const exchangeMetrics = createExchangeMetrics();
    const gateways: Gateways = {
      SIMULATED: exchangeMetrics.observe(simulatedExchange, {
        weightLimitPerMinute: config.cluster.weightBudgetPerMinute,
      }),
    };
    const exchanges: ExchangeGateway[] = [simulatedExchange];
    if (config.exchange.kind === "binance") {
      const binance = createBinanceGateway({
        ...(config.exchange.baseUrl ? { baseUrl: config.exchange.baseUrl } : {}),
        ...(config.exchange.wsBaseUrl ? { wsBaseUrl: config.exchange.wsBaseUrl } : {}),
        testnet: config.exchange.testnet,
        recvWindowMs: config.exchange.recvWindowMs,
        weightBudget: weightBudget("binance"),
        logger: exchangeLogger,
      });
      gateways.BINANCE_USDM = exchangeMetrics.observe(binance, {
        weightLimitPerMinute: config.cluster.weightBudgetPerMinute,
      });
      exchanges.push(binance);
    }
    cleanups.push(() => Promise.all(exchanges.map((exchange) => exchange.close())).then(() => {}));

    // One user's changes one at a time across instances: PostgreSQL advisory locks. The embedded
    // database has one process by construction (its folder is locked), so the desk's queue does.
    let userLocks: UserLocks | undefined;
    if (!config.embeddedDatabase) {
      const locks = createUserLocks({
        connectionString: config.databaseUrl,
        waitMs: config.cluster.userLockWaitMs,
        onEvent: (event) => logger.debug({ component: "user-lock", ...event }, `user lock ${event.event}`),
      });
      userLocks = locks;
      cleanups.push(() => locks.close());
    }

    const desk = createTradingDesk({
      prisma: db.prisma,
      cache,
      gateways,
      credentialsCipher: createCredentialsCipher(config.credentialsKey, {
        previousKeys: config.credentialsPreviousKeys,
      }),
      logger: logger.child({ component: "desk" }),
      reconcile: config.reconcile,
      markPriceMaxAgeMs: config.markPriceMaxAgeMs,
      ...(config.cache.staleIfErrorMs > 0 ? { staleIfErrorMs: config.cache.staleIfErrorMs } : {}),
      ...(userLocks ? { userLock: userLocks.run } : {}),
    });
    await desk.accountEvents.start();
    cleanups.push(() => desk.accountEvents.stop());

    // Sign-in and reload limits: counted in Redis when there is one, so every instance shares them
    // (the guard falls back to per-instance counting while Redis is away).
    const limiterRedis = sharedRedis;
    const guard = createApiGuard({
      limits: {
        loginPerAccount: config.limits.loginPerAccount,
        loginPerAddress: config.limits.loginPerAddress,
        loginWindowS: config.limits.loginWindowS,
        hashConcurrency: config.limits.hashConcurrency,
        reloadsPerUser: config.limits.reloadsPerUser,
        reloadWindowS: 60,
      },
      ...(limiterRedis ? { redis: limiterRedis } : {}),
      ...(options.limitsKeyPrefix ? { keyPrefix: options.limitsKeyPrefix } : {}),
    });
    // While the database is unreachable, signed-in requests still get their user (the last row
    // read): cached reads are served stale and mutations answer 503 (api's errors.ts).
    const createContext = createAppContextFactory({
      desk: withLastKnownUsers(desk),
      jwtSecret: config.jwtSecret,
      guard,
    });
    let reconciling = true;
    const readiness = async (): Promise<Readiness> => {
      // What each shared part looks like from here. A bus that is down does not make the instance
      // unready: it serves with the short TTL (staleness bounded), as every other instance does.
      const checks: Record<string, string> = {
        database: "up",
        bus: bus ? bus.state() : "not configured",
      };
      let status: Awaited<ReturnType<typeof migrationStatus>>;
      try {
        status = await migrationStatus(db);
      } catch (error) {
        checks.database = "down";
        const message = error instanceof Error ? error.message : String(error);
        return { ready: false, reason: `database unreachable: ${message.slice(0, 200)}`, checks };
      }
      if (status.failed.length > 0)
        return { ready: false, reason: `failed migrations: ${status.failed.join(", ")}`, checks };
      if (status.pending.length > 0) {
        return { ready: false, reason: `pending migrations: ${status.pending.join(", ")}`, checks };
      }
      if (reconciling) return { ready: false, reason: "reconciling: the start-up pass is running", checks };
      return { ready: true, checks };
    };
    const http = await createHttpServer({
      logger,
      router: appRouter,
      // A failure while setting up the request (database down) gets the same mapping as procedures'.
      createContext: ({ authorization, clientAddress, sessionCookie }) =>
        createContext(authorization, clientAddress, sessionCookie).catch((error: unknown) => {
          throw toTRPCError(error);
        }),
      metricsToken: config.metricsToken,
      trustProxy: config.trustProxy,
      readiness,
      metrics: createMetricsRegistry({
        cacheMetrics: () => rawCache.getMetrics(),
        reconciler: desk.reconciler,
        mutations: mutationPaths(appRouter),
        ...(bus ? { bus } : {}),
        extra: [exchangeMetrics.register, upkeepMetrics.register],
      }),
      webDistDir: config.webDistDir,
    });
    // The history's daily view: refreshed when older than the interval, and after repairs (they
    // may settle realized PnL or fills of days the view holds), one refresh for a burst.
    const dailyPnl = createDailyPnlRefresher({
      refresh: (options) => refreshDailyPnlView(db, options),
      intervalMs: config.dailyPnlRefreshIntervalMs,
      onRefresh: upkeepMetrics.refreshed,
      onError: (error) => {
        upkeepMetrics.refreshFailed();
        upkeepLogger.warn({ err: error }, "refreshing the daily PnL view failed; the next check tries again");
      },
    });
    if (upkeep) {
      desk.reconciler.onRun((report) => {
        if (report.repairs.length > 0) dailyPnl.afterRepairs();
      });
      dailyPnl.start();
      cleanups.push(() => dailyPnl.stop());
    }

    // Started once the metrics listen to its runs. The start-up reconciliation (every account
    // once; after a crash it settles what the dead process left PENDING) runs in the background:
    // the server listens meanwhile, and /readyz says "reconciling" until it is done. Not awaited before listening: one slow or unreachable
    // exchange would otherwise keep the whole server (health, metrics, every other account) down
    // for as long as it hangs. A load balancer routes no trader here before the pass is done, so
    // nobody is shown the stale record; a run that fails is logged and retried by the schedule.
    const reconciled = desk.reconciler.start().then(
      () => {
        reconciling = false;
        logger.info("start-up reconciliation finished");
      },
      (error: unknown) => {
        reconciling = false;
        logger.error({ err: error }, "start-up reconciliation failed; serving the record as it is");
      },
    );
    cleanups.push(async () => {
      await desk.reconciler.stop();
      // The start-up pass (runAll) carries on through its remaining accounts after stop(): let it
      // end before the exchanges and the database close.
      await reconciled;
      await desk.reconciler.stop();
    });

    // First to close: no request may reach a desk or database that is already gone.
    cleanups.push(() => http.close());

    let closing: Promise<void> | undefined;
    return {
      config,
      logger,
      db,
      desk,
      simulatedExchange,
      http,
      reconciled,
      createContext,
      listen: () => http.listen(config.port, config.host),
      close: () => {
        closing ??= closeAll();
        return closing;
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
