import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/**
 * The server's configuration: THE only module in the project that reads process.env.
 * Everything is validated once, at start-up; a bad value stops the process with a message
 * naming the variable.
 */

/** Resolved from this file, not the cwd, so `pnpm dev` from any folder uses the same data. */
const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const DEFAULT_PGLITE_DIR = `${REPO_ROOT}.data/pglite`;
export const DEFAULT_WEB_DIST_DIR = `${REPO_ROOT}apps/web/dist`;

/** Public on purpose: anyone can forge tokens with it, so start-up warns when it is in use. */
export const DEVELOPMENT_JWT_SECRET = "tradedesk-development-secret-do-not-use-in-production";
/**
 * Development key for exchange credentials at rest (32 zero bytes). Only the simulated exchange,
 * which has no credentials, may run with it.
 */
export const DEVELOPMENT_CREDENTIALS_KEY = Buffer.alloc(32).toString("base64");

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export type ExchangeConfig =
  | { kind: "simulated"; seed: number; latencyMs: number; priceTickMs: number }
  | {
      kind: "binance";
      baseUrl: string | null;
      /** WebSocket base for the mark-price and user-data streams; defaults follow `testnet`. */
      wsBaseUrl: string | null;
      testnet: boolean;
      recvWindowMs: number;
    };

/** Reconciliation (core's reconciler): how often the record is compared with the exchange. */
export interface ReconcileConfig {
  /** Accounts of users with an open dashboard. */
  activeIntervalMs: number;
  /** Every other account. */
  idleIntervalMs: number;
  /** Exchange request weight scheduled runs may spend per minute (10% of Binance's 2400 by default). */
  weightPerMinute: number;
  /** A PENDING intent younger than this may belong to a mutation still running: left alone. */
  intentGraceMs: number;
}

/** The orders table's monthly partitions (packages/db): made ahead and retired by the server. */
export interface OrderPartitionsConfig {
  /** Months after the current one that have a partition before they are needed. */
  monthsAhead: number;
  /** Months of orders kept, the current one included; null keeps everything. */
  retentionMonths: number | null;
  /** What happens to an older month: detached (kept as a table of its own) or dropped. */
  retention: "detach" | "drop";
}

/** Abuse limits (packages/api's guard); see the README's Security section. */
export interface LimitsConfig {
  loginPerAccount: number;
  loginPerAddress: number;
  loginWindowS: number;
  hashConcurrency: number;
  reloadsPerUser: number;
}

export interface Config {
  /** NODE_ENV=production: development secrets are refused instead of warned about. */
  production: boolean;
  port: number;
  host: string;
  /** "file:<dir>" (embedded PGlite on disk), "memory://" (in-memory PGlite) or postgres://... */
  databaseUrl: string;
  /** True when the database is the embedded PGlite (seeded at start when empty). */
  embeddedDatabase: boolean;
  jwtSecret: string;
  credentialsKey: string;
  /** Keys being retired: stored credentials under them are still read. */
  credentialsPreviousKeys: string[];
  /** Set: /metrics wants `Authorization: Bearer <it>`; unset: /metrics answers loopback clients only. */
  metricsToken: string | null;
  /** fastify's trustProxy: whose X-Forwarded-For gives the client address (login limits). */
  trustProxy: boolean | string[];
  limits: LimitsConfig;
  cache: {
    ttlMs: number;
    cleanupIntervalMs: number;
    maxEntries: number;
    /** Reads past the TTL whose reload fails (database or exchange down) get the last value this old at most. */
    staleIfErrorMs: number;
    /** The TTL of entries stored while the invalidation bus (Redis) is down. */
    busDownTtlMs: number;
  };
  /** Several instances behind a load balancer (README: Running several instances). */
  cluster: {
    /** Instances sharing the exchange IP's weight budget: each may spend 1/N of it while Redis is away. */
    instances: number;
    /** Request weight a minute every instance together may spend on each exchange. */
    weightBudgetPerMinute: number;
    /** How long a mutation waits for the same user's mutation on another instance (PostgreSQL). */
    userLockWaitMs: number;
  };
  /** Seed an empty PostgreSQL database with the demo desk at start (the embedded one always is). */
  seedDemoData: boolean;
  exchange: ExchangeConfig;
  reconcile: ReconcileConfig;
  /** A mark price older than this is stale: reads say so and one REST refresh per symbol runs. */
  markPriceMaxAgeMs: number;
  orderPartitions: OrderPartitionsConfig;
  /** The daily PnL view is refreshed when older than this (and soon after reconciliation repairs). */
  dailyPnlRefreshIntervalMs: number;
  /** Set: invalidations cross server instances over Redis pub/sub. */
  redisUrl: string | null;
  logLevel: LogLevel;
  /** "pretty" for a person at a terminal (pnpm dev), "json" for log collectors. */
  logFormat: "json" | "pretty";
  /** The built web app to serve from the same origin; null when there is none. */
  webDistDir: string | null;
  /** Start-up warnings (e.g. development secrets in use), logged by main. */
  warnings: string[];
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join("\n")}`);
  }
}

const integer = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `must be a whole number between ${min} and ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const bool = z
  .enum(["true", "false", "1", "0"], { message: 'must be "true" or "false"' })
  .transform((v) => v === "true" || v === "1");

const databaseUrl = z
  .string()
  .trim()
  .refine(
    (v) => /^postgres(ql)?:\/\/.+/.test(v) || v.startsWith("file:") || v === "memory://",
    'must be a postgres:// URL, "file:<dir>" (embedded PGlite on disk) or "memory://"',
  );

const redisUrl = z
  .string()
  .trim()
  .refine((v) => /^rediss?:\/\/.+/.test(v), "must be a redis:// or rediss:// URL");

const httpUrl = z
  .string()
  .trim()
  .refine((v) => /^https?:\/\/.+/.test(v), "must be an http:// or https:// URL");

const wsUrl = z
  .string()
  .trim()
  .refine((v) => /^wss?:\/\/.+/.test(v), "must be a ws:// or wss:// URL");

const credentialsKey = z
  .string()
  .trim()
  .refine((v) => Buffer.from(v, "base64").length === 32, "must be 32 bytes, base64-encoded");

/** Empty strings count as unset: `FOO= pnpm dev` should mean the default, not a bad value. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), schema.optional());

const credentialsKeys = z
  .string()
  .trim()
  .transform((v) => v.split(",").map((key) => key.trim()))
  .refine(
    (keys) => keys.every((key) => Buffer.from(key, "base64").length === 32),
    "must be comma-separated keys of 32 bytes, base64-encoded",
  );

const trustProxy = z
  .string()
  .trim()
  .transform((v): boolean | string[] =>
    v === "true" ? true : v === "false" ? false : v.split(",").map((a) => a.trim()),
  )
  .refine(
    (v) => typeof v === "boolean" || v.every((a) => /^[0-9a-fA-F.:/]+$/.test(a)),
    '"true", "false" or comma-separated proxy addresses / CIDRs',
  );

const envSchema = z.object({
  NODE_ENV: optional(z.string().trim()),
  PORT: optional(integer(0, 65535)),
  HOST: optional(z.string().trim().min(1)),
  DATABASE_URL: optional(databaseUrl),
  JWT_SECRET: optional(z.string().min(32, "must be at least 32 characters")),
  CREDENTIALS_KEY: optional(credentialsKey),
  CREDENTIALS_PREVIOUS_KEYS: optional(credentialsKeys),
  METRICS_TOKEN: optional(z.string().trim().min(16, "must be at least 16 characters")),
  TRUST_PROXY: optional(trustProxy),
  LOGIN_LIMIT_PER_ACCOUNT: optional(integer(1, 1_000_000)),
  LOGIN_LIMIT_PER_ADDRESS: optional(integer(1, 1_000_000)),
  LOGIN_LIMIT_WINDOW_S: optional(integer(1, 86_400)),
  // Below libuv's thread pool (4 by default), which token checks need too.
  PASSWORD_HASH_CONCURRENCY: optional(integer(1, 3)),
  CACHE_RELOADS_PER_MINUTE: optional(integer(1, 100_000)),
  CACHE_TTL_MS: optional(integer(1, 86_400_000)),
  CACHE_CLEANUP_MS: optional(integer(10, 86_400_000)),
  CACHE_MAX_ENTRIES: optional(integer(1, 10_000_000)),
  CACHE_STALE_IF_ERROR_MS: optional(integer(0, 86_400_000)),
  BUS_DOWN_CACHE_TTL_MS: optional(integer(1, 86_400_000)),
  CLUSTER_INSTANCES: optional(integer(1, 1_000)),
  EXCHANGE_WEIGHT_BUDGET_PER_MINUTE: optional(integer(10, 1_000_000)),
  USER_LOCK_WAIT_MS: optional(integer(100, 600_000)),
  SEED_DEMO_DATA: optional(bool),
  EXCHANGE: optional(z.enum(["simulated", "binance"], { message: 'must be "simulated" or "binance"' })),
  SIMULATED_SEED: optional(integer(0, 2 ** 31 - 1)),
  SIMULATED_LATENCY_MS: optional(integer(0, 60_000)),
  SIMULATED_PRICE_TICK_MS: optional(integer(0, 3_600_000)),
  BINANCE_BASE_URL: optional(httpUrl),
  BINANCE_WS_BASE_URL: optional(wsUrl),
  BINANCE_TESTNET: optional(bool),
  BINANCE_RECV_WINDOW_MS: optional(integer(1, 60_000)),
  RECONCILE_ACTIVE_INTERVAL_MS: optional(integer(1_000, 86_400_000)),
  RECONCILE_IDLE_INTERVAL_MS: optional(integer(1_000, 86_400_000)),
  // At least one run's weight (core takes a run to weigh 100), or scheduled runs never happen.
  RECONCILE_WEIGHT_PER_MINUTE: optional(integer(100, 1_000_000)),
  RECONCILE_INTENT_GRACE_MS: optional(integer(0, 86_400_000)),
  MARK_PRICE_MAX_AGE_MS: optional(integer(500, 600_000)),
  // At least one: the alert wants next month's partition made before the month starts.
  ORDERS_PARTITIONS_AHEAD: optional(integer(1, 60)),
  ORDERS_RETENTION_MONTHS: optional(integer(1, 1_200)),
  ORDERS_RETENTION: optional(z.enum(["detach", "drop"], { message: 'must be "detach" or "drop"' })),
  DAILY_PNL_REFRESH_INTERVAL_MS: optional(integer(10_000, 86_400_000)),
  REDIS_URL: optional(redisUrl),
  LOG_LEVEL: optional(
    z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      message: "must be one of fatal, error, warn, info, debug, trace, silent",
    }),
  ),
  LOG_FORMAT: optional(z.enum(["json", "pretty"], { message: 'must be "json" or "pretty"' })),
  WEB_DIST_DIR: optional(z.string().trim().min(1)),
  SERVE_WEB_APP: optional(bool),
});

/** Reads and validates the configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ variable: String(issue.path[0]), message: issue.message })),
    );
  }
  const e = parsed.data;
  const warnings: string[] = [];
  const exchangeKind = e.EXCHANGE ?? "simulated";

  // In production a public secret is a hole, not a convenience: anyone can forge tokens with the
  // development JWT secret, and the development credentials key is all zeros.
  const production = e.NODE_ENV === "production";
  const missing: { variable: string; message: string }[] = [];
  if (e.JWT_SECRET === undefined || e.JWT_SECRET === DEVELOPMENT_JWT_SECRET) {
    if (production) {
      missing.push({
        variable: "JWT_SECRET",
        message:
          "is required with NODE_ENV=production (at least 32 random characters; not the development secret)",
      });
    } else {
      warnings.push("JWT_SECRET is not set: using the public development secret; set it in production");
    }
  }
  const developmentKey = Buffer.from(e.CREDENTIALS_KEY ?? DEVELOPMENT_CREDENTIALS_KEY, "base64").every(
    (byte) => byte === 0,
  );
  if (developmentKey) {
    if (exchangeKind === "binance") {
      missing.push({
        variable: "CREDENTIALS_KEY",
        message: "is required with EXCHANGE=binance (32 random bytes, base64; not the development key)",
      });
    } else {
      warnings.push(
        "CREDENTIALS_KEY is not set: using the development key (fine for the simulated exchange)",
      );
    }
  }
  if (missing.length > 0) throw new ConfigError(missing);
  if (e.ORDERS_RETENTION !== undefined && e.ORDERS_RETENTION_MONTHS === undefined) {
    warnings.push(
      `ORDERS_RETENTION=${e.ORDERS_RETENTION} does nothing without ORDERS_RETENTION_MONTHS: every month of orders is kept`,
    );
  }

  const databaseUrl = e.DATABASE_URL ?? `file:${DEFAULT_PGLITE_DIR}`;
  // `pnpm dev` serves the dashboard with Vite (SERVE_WEB_APP=false), so no stale build is served.
  const webDistDir =
    e.SERVE_WEB_APP === false
      ? null
      : (e.WEB_DIST_DIR ?? (existsSync(`${DEFAULT_WEB_DIST_DIR}/index.html`) ? DEFAULT_WEB_DIST_DIR : null));

  return {
    production,
    port: e.PORT ?? 3000,
    host: e.HOST ?? "127.0.0.1",
    databaseUrl,
    embeddedDatabase: !databaseUrl.startsWith("postgres"),
    jwtSecret: e.JWT_SECRET ?? DEVELOPMENT_JWT_SECRET,
    credentialsKey: e.CREDENTIALS_KEY ?? DEVELOPMENT_CREDENTIALS_KEY,
    credentialsPreviousKeys: e.CREDENTIALS_PREVIOUS_KEYS ?? [],
    metricsToken: e.METRICS_TOKEN ?? null,
    trustProxy: e.TRUST_PROXY ?? false,
    limits: {
      loginPerAccount: e.LOGIN_LIMIT_PER_ACCOUNT ?? 10,
      loginPerAddress: e.LOGIN_LIMIT_PER_ADDRESS ?? 30,
      loginWindowS: e.LOGIN_LIMIT_WINDOW_S ?? 900,
      hashConcurrency: e.PASSWORD_HASH_CONCURRENCY ?? 1,
      reloadsPerUser: e.CACHE_RELOADS_PER_MINUTE ?? 10,
    },
    cache: {
      ttlMs: e.CACHE_TTL_MS ?? 3_000,
      cleanupIntervalMs: e.CACHE_CLEANUP_MS ?? 60_000,
      // core's DEFAULT_MAX_ENTRIES (why 10,000: see there); not imported, so that checking the
      // configuration loads nothing but zod.
      maxEntries: e.CACHE_MAX_ENTRIES ?? 10_000,
      staleIfErrorMs: e.CACHE_STALE_IF_ERROR_MS ?? 60_000,
      // Never longer than the normal TTL.
      busDownTtlMs: Math.min(e.BUS_DOWN_CACHE_TTL_MS ?? 1_000, e.CACHE_TTL_MS ?? 3_000),
    },
    cluster: {
      instances: e.CLUSTER_INSTANCES ?? 1,
      weightBudgetPerMinute: e.EXCHANGE_WEIGHT_BUDGET_PER_MINUTE ?? 1_800,
      userLockWaitMs: e.USER_LOCK_WAIT_MS ?? 30_000,
    },
    seedDemoData: e.SEED_DEMO_DATA ?? false,
    exchange:
      exchangeKind === "binance"
        ? {
            kind: "binance",
            baseUrl: e.BINANCE_BASE_URL ?? null,
            wsBaseUrl: e.BINANCE_WS_BASE_URL ?? null,
            testnet: e.BINANCE_TESTNET ?? false,
            recvWindowMs: e.BINANCE_RECV_WINDOW_MS ?? 5_000,
          }
        : {
            kind: "simulated",
            seed: e.SIMULATED_SEED ?? 42,
            latencyMs: e.SIMULATED_LATENCY_MS ?? 50,
            priceTickMs: e.SIMULATED_PRICE_TICK_MS ?? 1_000,
          },
    reconcile: {
      activeIntervalMs: e.RECONCILE_ACTIVE_INTERVAL_MS ?? 30_000,
      idleIntervalMs: e.RECONCILE_IDLE_INTERVAL_MS ?? 600_000,
      weightPerMinute: e.RECONCILE_WEIGHT_PER_MINUTE ?? 240,
      intentGraceMs: e.RECONCILE_INTENT_GRACE_MS ?? 30_000,
    },
    markPriceMaxAgeMs: e.MARK_PRICE_MAX_AGE_MS ?? 5_000,
    orderPartitions: {
      monthsAhead: e.ORDERS_PARTITIONS_AHEAD ?? 3,
      retentionMonths: e.ORDERS_RETENTION_MONTHS ?? null,
      retention: e.ORDERS_RETENTION ?? "detach",
    },
    dailyPnlRefreshIntervalMs: e.DAILY_PNL_REFRESH_INTERVAL_MS ?? 300_000,
    redisUrl: e.REDIS_URL ?? null,
    logLevel: e.LOG_LEVEL ?? "info",
    logFormat: e.LOG_FORMAT ?? "json",
    webDistDir,
    warnings,
  };
}

/** The process's own configuration (main and the scripts); tests call loadConfig with their own env. */
export function loadProcessConfig(): Config {
  return loadConfig(process.env);
}

/**
 * loadProcessConfig, or exit 1 printing which variables are wrong and why: a bad variable is
 * the operator's to fix, so no stack trace.
 */
export function loadProcessConfigOrExit(): Config {
  try {
    return loadProcessConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
