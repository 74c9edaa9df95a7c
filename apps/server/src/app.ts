import { appRouter, createApiGuard, createAppContextFactory } from "@tradedesk/api";
import {
  createBinanceGateway,
  createCredentialsCipher,
  createPositionsCache,
  createPrismaBookStore,
  createSimulatedExchange,
  createTradingDesk,
  type ExchangeGateway,
  type Gateways,
  type InvalidationBus,
  loadInitialBook,
  type SimulatedExchange,
  type TradingDeskInstance,
} from "@tradedesk/core";
import { type Database, isEmptyDatabase, migrate, migrationStatus, openDatabase, seed } from "@tradedesk/db";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { createRedisBus } from "./bus/redis-bus.ts";
import type { Config } from "./config.ts";
import type { Readiness } from "./http/health.ts";
import { createHttpServer, type HttpServer } from "./http/http-server.ts";
import { createMetricsRegistry } from "./http/metrics.ts";
import { createLogger, withCacheLogging } from "./logging.ts";
import { createExchangeMetrics } from "./observability/exchange-metrics.ts";
import { mutationPaths } from "./observability/procedures.ts";

/**
 * Request weight per minute the Binance gateway may spend (the IP's limit is 2400; 1800 is the
 * gateway's own default), stated here so that the metrics report the same budget it enforces.
 */
const BINANCE_WEIGHT_BUDGET = 1800;

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
    if (config.embeddedDatabase && (await isEmptyDatabase(db.prisma))) {
      await seed(db.prisma);
      logger.info("empty embedded database seeded with the demo desk (demo@example.com)");
    }

    let bus: InvalidationBus | undefined;
    if (config.redisUrl) {
      const redisBus = await createRedisBus({
        url: config.redisUrl,
        onError: (error) => logger.warn({ err: error }, "redis invalidation bus error"),
        onInvalidMessage: (raw) => logger.warn({ raw }, "ignored a malformed invalidation message"),
      });
      bus = redisBus;
      cleanups.push(() => redisBus.close());
    }

    const rawCache = createPositionsCache({
      ttlMs: config.cache.ttlMs,
      cleanupIntervalMs: config.cache.cleanupIntervalMs,
      maxEntries: config.cache.maxEntries,
      ...(bus ? { bus } : {}),
      onError: (error, source) => logger.warn({ err: error, source }, "cache background error"),
    });
    rawCache.startCleanup();
    cleanups.push(() => rawCache.stop());
    const cache = withCacheLogging(rawCache, logger);

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
      onBackgroundError: (error) =>
        exchangeLogger.error({ err: error }, "simulated exchange background error"),
    });
    // The desk talks to the exchanges through measuring proxies (calls, latency, weight, streams).
    const exchangeMetrics = createExchangeMetrics();
    const gateways: Gateways = { SIMULATED: exchangeMetrics.observe(simulatedExchange) };
    const exchanges: ExchangeGateway[] = [simulatedExchange];
    if (config.exchange.kind === "binance") {
      const binance = createBinanceGateway({
        ...(config.exchange.baseUrl ? { baseUrl: config.exchange.baseUrl } : {}),
        ...(config.exchange.wsBaseUrl ? { wsBaseUrl: config.exchange.wsBaseUrl } : {}),
        testnet: config.exchange.testnet,
        recvWindowMs: config.exchange.recvWindowMs,
        weightBudgetPerMinute: BINANCE_WEIGHT_BUDGET,
        logger: exchangeLogger,
      });
      gateways.BINANCE_USDM = exchangeMetrics.observe(binance, {
        weightLimitPerMinute: BINANCE_WEIGHT_BUDGET,
      });
      exchanges.push(binance);
    }
    cleanups.push(() => Promise.all(exchanges.map((exchange) => exchange.close())).then(() => {}));

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
    });
    await desk.accountEvents.start();
    cleanups.push(() => desk.accountEvents.stop());

    // Sign-in and reload limits: counted in Redis when there is one, so every instance shares them.
    let limiterRedis: Redis | undefined;
    if (config.redisUrl) {
      // No offline queue: while Redis is away the guard falls back to per-instance counting at
      // once (its insurance limiter) instead of holding sign-ins until Redis returns.
      const client = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
      client.on("error", (error) => logger.warn({ err: error }, "redis (rate limits) error"));
      limiterRedis = client;
      cleanups.push(() => {
        client.disconnect();
      });
    }
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
    const createContext = createAppContextFactory({ desk, jwtSecret: config.jwtSecret, guard });
    let reconciling = true;
    const readiness = async (): Promise<Readiness> => {
      const status = await migrationStatus(db);
      if (status.failed.length > 0)
        return { ready: false, reason: `failed migrations: ${status.failed.join(", ")}` };
      if (status.pending.length > 0) {
        return { ready: false, reason: `pending migrations: ${status.pending.join(", ")}` };
      }
      if (reconciling) return { ready: false, reason: "reconciling: the start-up pass is running" };
      return { ready: true };
    };
    const http = await createHttpServer({
      logger,
      router: appRouter,
      createContext: ({ authorization, clientAddress }) => createContext(authorization, clientAddress),
      metricsToken: config.metricsToken,
      trustProxy: config.trustProxy,
      readiness,
      metrics: createMetricsRegistry({
        cacheMetrics: () => rawCache.getMetrics(),
        reconciler: desk.reconciler,
        mutations: mutationPaths(appRouter),
        extra: [exchangeMetrics.register],
      }),
      webDistDir: config.webDistDir,
    });
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
