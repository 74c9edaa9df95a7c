import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_PGLITE_DIR, DEVELOPMENT_JWT_SECRET, loadConfig } from "./config.ts";

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("defaults to the embedded database under .data/, port 3000 and the simulated exchange", () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBe(`file:${DEFAULT_PGLITE_DIR}`);
    expect(DEFAULT_PGLITE_DIR).toMatch(/\/\.data\/pglite$/);
    expect(config.embeddedDatabase).toBe(true);
    expect(config.exchange.kind).toBe("simulated");
    expect(config.cache).toEqual({
      ttlMs: 3000,
      cleanupIntervalMs: 60_000,
      maxEntries: 10_000,
      staleIfErrorMs: 60_000,
      busDownTtlMs: 1_000,
    });
    expect(config.cluster).toEqual({ instances: 1, weightBudgetPerMinute: 1_800, userLockWaitMs: 30_000 });
    expect(config.seedDemoData).toBe(false);
    expect(config.redisUrl).toBeNull();
    expect(config.reconcile).toEqual({
      activeIntervalMs: 30_000,
      idleIntervalMs: 600_000,
      weightPerMinute: 240,
      intentGraceMs: 30_000,
    });
  });

  it("reads the reconciliation schedule, budget and grace", () => {
    const config = loadConfig({
      RECONCILE_ACTIVE_INTERVAL_MS: "5000",
      RECONCILE_IDLE_INTERVAL_MS: "120000",
      RECONCILE_WEIGHT_PER_MINUTE: "600",
      RECONCILE_INTENT_GRACE_MS: "0",
    });
    expect(config.reconcile).toEqual({
      activeIntervalMs: 5000,
      idleIntervalMs: 120_000,
      weightPerMinute: 600,
      intentGraceMs: 0,
    });
  });

  it("reads the orders' partitions ahead and retention, and the daily PnL view's refresh interval", () => {
    const defaults = loadConfig({});
    expect(defaults.orderPartitions).toEqual({ monthsAhead: 3, retentionMonths: null, retention: "detach" });
    expect(defaults.dailyPnlRefreshIntervalMs).toBe(300_000);
    const set = loadConfig({
      ORDERS_PARTITIONS_AHEAD: "6",
      ORDERS_RETENTION_MONTHS: "24",
      ORDERS_RETENTION: "drop",
      DAILY_PNL_REFRESH_INTERVAL_MS: "60000",
    });
    expect(set.orderPartitions).toEqual({ monthsAhead: 6, retentionMonths: 24, retention: "drop" });
    expect(set.dailyPnlRefreshIntervalMs).toBe(60_000);
    expect(set.warnings.join("\n")).not.toContain("ORDERS_RETENTION");
    // A retention without a number of months keeps everything: said, not refused.
    expect(loadConfig({ ORDERS_RETENTION: "drop" }).warnings).toContain(
      "ORDERS_RETENTION=drop does nothing without ORDERS_RETENTION_MONTHS: every month of orders is kept",
    );
  });

  it("reads how old a mark price may be before reads call it stale", () => {
    expect(loadConfig({}).markPriceMaxAgeMs).toBe(5_000);
    expect(loadConfig({ MARK_PRICE_MAX_AGE_MS: "2000" }).markPriceMaxAgeMs).toBe(2_000);
  });

  it("warns when the development JWT secret is in use, and not when one is set", () => {
    const dev = loadConfig({});
    expect(dev.jwtSecret).toBe(DEVELOPMENT_JWT_SECRET);
    expect(dev.warnings.some((w) => w.includes("JWT_SECRET"))).toBe(true);

    const prod = loadConfig({ JWT_SECRET: "x".repeat(40) });
    expect(prod.jwtSecret).toBe("x".repeat(40));
    expect(prod.warnings.some((w) => w.includes("JWT_SECRET"))).toBe(false);
  });

  it("reads every variable", () => {
    const config = loadConfig({
      PORT: "8080",
      DATABASE_URL: "postgres://u@127.0.0.1:5432/db",
      CACHE_TTL_MS: "500",
      CACHE_CLEANUP_MS: "1000",
      CACHE_MAX_ENTRIES: "7",
      EXCHANGE: "binance",
      BINANCE_BASE_URL: "http://127.0.0.1:9999",
      BINANCE_WS_BASE_URL: "ws://127.0.0.1:9998",
      BINANCE_TESTNET: "true",
      CREDENTIALS_KEY: Buffer.alloc(32, 1).toString("base64"),
      REDIS_URL: "redis://127.0.0.1:6379",
      LOG_LEVEL: "debug",
      CACHE_STALE_IF_ERROR_MS: "20000",
      BUS_DOWN_CACHE_TTL_MS: "200",
      CLUSTER_INSTANCES: "3",
      EXCHANGE_WEIGHT_BUDGET_PER_MINUTE: "600",
      USER_LOCK_WAIT_MS: "5000",
      SEED_DEMO_DATA: "true",
    });
    expect(config.port).toBe(8080);
    expect(config.embeddedDatabase).toBe(false);
    expect(config.cache).toEqual({
      ttlMs: 500,
      cleanupIntervalMs: 1000,
      maxEntries: 7,
      staleIfErrorMs: 20_000,
      busDownTtlMs: 200,
    });
    expect(config.cluster).toEqual({ instances: 3, weightBudgetPerMinute: 600, userLockWaitMs: 5_000 });
    expect(config.seedDemoData).toBe(true);
    expect(config.exchange).toEqual({
      kind: "binance",
      baseUrl: "http://127.0.0.1:9999",
      wsBaseUrl: "ws://127.0.0.1:9998",
      testnet: true,
      recvWindowMs: 5000,
    });
    expect(config.redisUrl).toBe("redis://127.0.0.1:6379");
    expect(config.logLevel).toBe("debug");
  });

  it("serves the web app from WEB_DIST_DIR unless SERVE_WEB_APP is false", () => {
    expect(loadConfig({ WEB_DIST_DIR: "/srv/web" }).webDistDir).toBe("/srv/web");
    expect(loadConfig({ WEB_DIST_DIR: "/srv/web", SERVE_WEB_APP: "false" }).webDistDir).toBeNull();
  });

  it("treats an empty variable as unset", () => {
    expect(loadConfig({ PORT: "", DATABASE_URL: " " }).port).toBe(3000);
  });

  it.each([
    ["PORT", "abc"],
    ["PORT", "70000"],
    ["DATABASE_URL", "mysql://localhost/db"],
    ["JWT_SECRET", "short"],
    ["CACHE_TTL_MS", "-5"],
    ["CACHE_TTL_MS", "1.5"],
    ["CACHE_CLEANUP_MS", "soon"],
    ["EXCHANGE", "kraken"],
    ["BINANCE_WS_BASE_URL", "http://127.0.0.1:9998"],
    ["REDIS_URL", "localhost:6379"],
    ["CACHE_STALE_IF_ERROR_MS", "-1"],
    ["BUS_DOWN_CACHE_TTL_MS", "0"],
    ["CLUSTER_INSTANCES", "0"],
    ["EXCHANGE_WEIGHT_BUDGET_PER_MINUTE", "lots"],
    ["USER_LOCK_WAIT_MS", "5"],
    ["SEED_DEMO_DATA", "yes"],
    ["LOG_LEVEL", "loud"],
    ["LOG_FORMAT", "xml"],
    ["CREDENTIALS_KEY", "c2hvcnQ="],
    ["BINANCE_TESTNET", "yes"],
    ["RECONCILE_ACTIVE_INTERVAL_MS", "fast"],
    ["RECONCILE_ACTIVE_INTERVAL_MS", "10"],
    ["RECONCILE_IDLE_INTERVAL_MS", "-1"],
    ["RECONCILE_WEIGHT_PER_MINUTE", "0"],
    ["RECONCILE_INTENT_GRACE_MS", "2.5"],
    ["MARK_PRICE_MAX_AGE_MS", "10"],
    ["CREDENTIALS_PREVIOUS_KEYS", `${Buffer.alloc(32, 2).toString("base64")},c2hvcnQ=`],
    ["METRICS_TOKEN", "short"],
    ["TRUST_PROXY", "everyone"],
    ["LOGIN_LIMIT_PER_ACCOUNT", "0"],
    ["LOGIN_LIMIT_PER_ADDRESS", "many"],
    ["LOGIN_LIMIT_WINDOW_S", "0"],
    ["PASSWORD_HASH_CONCURRENCY", "4"],
    ["CACHE_RELOADS_PER_MINUTE", "0"],
    ["ORDERS_PARTITIONS_AHEAD", "0"],
    ["ORDERS_RETENTION_MONTHS", "0"],
    ["ORDERS_RETENTION_MONTHS", "a year"],
    ["ORDERS_RETENTION", "archive"],
    ["DAILY_PNL_REFRESH_INTERVAL_MS", "1000"],
  ])("rejects %s=%s, naming the variable", (variable, value) => {
    const error = errorOf({ [variable]: value });
    expect(error.issues.map((i) => i.variable)).toEqual([variable]);
    expect(error.message).toContain(variable);
  });

  it("names every bad variable at once", () => {
    const error = errorOf({ PORT: "x", CACHE_TTL_MS: "y" });
    expect(error.issues.map((i) => i.variable).sort()).toEqual(["CACHE_TTL_MS", "PORT"]);
  });

  it("requires CREDENTIALS_KEY for the Binance exchange", () => {
    expect(errorOf({ EXCHANGE: "binance" }).issues[0]?.variable).toBe("CREDENTIALS_KEY");
  });

  it("with NODE_ENV=production refuses the development secrets, naming each", () => {
    const binance = { NODE_ENV: "production", EXCHANGE: "binance" };
    expect(
      errorOf(binance)
        .issues.map((i) => i.variable)
        .sort(),
    ).toEqual(["CREDENTIALS_KEY", "JWT_SECRET"]);
    expect(errorOf({ NODE_ENV: "production", JWT_SECRET: DEVELOPMENT_JWT_SECRET }).issues[0]?.variable).toBe(
      "JWT_SECRET",
    );
    const zeroKey = {
      ...binance,
      JWT_SECRET: "x".repeat(40),
      CREDENTIALS_KEY: Buffer.alloc(32).toString("base64"),
    };
    expect(errorOf(zeroKey).issues.map((i) => i.variable)).toEqual(["CREDENTIALS_KEY"]);
    // The simulated exchange has no credentials to protect: its key may stay the default.
    const simulated = loadConfig({ NODE_ENV: "production", JWT_SECRET: "x".repeat(40) });
    expect(simulated.production).toBe(true);
    expect(simulated.warnings.some((w) => w.includes("CREDENTIALS_KEY"))).toBe(true);
  });

  it("reads the security settings", () => {
    const previous = Buffer.alloc(32, 2).toString("base64");
    const config = loadConfig({
      CREDENTIALS_PREVIOUS_KEYS: ` ${previous} `,
      METRICS_TOKEN: "a-token-of-sixteen+",
      TRUST_PROXY: "10.0.0.0/8, 127.0.0.1",
      LOGIN_LIMIT_PER_ACCOUNT: "5",
      LOGIN_LIMIT_PER_ADDRESS: "50",
      LOGIN_LIMIT_WINDOW_S: "60",
      PASSWORD_HASH_CONCURRENCY: "2",
      CACHE_RELOADS_PER_MINUTE: "20",
    });
    expect(config.credentialsPreviousKeys).toEqual([previous]);
    expect(config.metricsToken).toBe("a-token-of-sixteen+");
    expect(config.trustProxy).toEqual(["10.0.0.0/8", "127.0.0.1"]);
    expect(config.limits).toEqual({
      loginPerAccount: 5,
      loginPerAddress: 50,
      loginWindowS: 60,
      hashConcurrency: 2,
      reloadsPerUser: 20,
    });
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({}).metricsToken).toBeNull();
  });
});
