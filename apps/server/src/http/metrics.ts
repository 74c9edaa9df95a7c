import type { CacheMetrics, ReconcileListener, RepairKind } from "@tradedesk/core";
import type { FastifyInstance } from "fastify";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * Prometheus metrics for one app instance: its own Registry (not prom-client's global one), so
 * several apps in one process (tests) do not collide. Cache figures are read at scrape time.
 *
 * Conventions (the alert rules, recording rules and the Grafana dashboard in monitoring/ query
 * these names; monitoring's live test fails when one is renamed): base units in the name
 * (`_seconds`, `_bytes`), `_total` on counters, label values from closed sets only (data types,
 * operations, outcomes, route patterns), never a user or account id. Ratios (the cache hit rate)
 * are queries over counters, not gauges: a since-start ratio hides what happens now.
 */

/** What the cache reports (core's CacheMetrics); only its counters and levels are read. */
export type CacheFigures = Pick<CacheMetrics, "size" | "inFlight"> &
  Partial<Omit<CacheMetrics, "size" | "inFlight">>;

export interface MetricsOptions {
  /** Read on every scrape. */
  cacheMetrics: () => CacheFigures;
  /** The reconciler whose runs and repairs are counted (core's desk.reconciler). */
  reconciler?: { onRun(listener: ReconcileListener): unknown };
  /**
   * The tRPC mutations whose latency and outcome are measured, by path (`orders.create`). Only
   * these names become label values, so a client calling made-up paths cannot grow the label set.
   */
  mutations?: readonly string[];
  /** The invalidation bus (Redis): its state and the messages it could not publish. */
  bus?: { state(): "up" | "down"; lostMessages(): number };
  /** Further metrics registered on the same registry (exchanges: observability/exchange-metrics.ts). */
  extra?: ((registry: Registry) => void)[];
}

/** What instrumentRequests needs from createMetricsRegistry's options (the http host passes the registry only). */
const mutationsOf = new WeakMap<Registry, ReadonlySet<string>>();

export function createMetricsRegistry(options: MetricsOptions): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  countCache(registry, options.cacheMetrics);
  if (options.reconciler) countReconciliation(registry, options.reconciler);
  mutationsOf.set(registry, new Set(options.mutations ?? []));
  if (options.bus) countBus(registry, options.bus);
  for (const register of options.extra ?? []) register(registry);
  return registry;
}

/**
 * The bus's state as a gauge (1 up, 0 down; what the bus-down alert watches: publishing never
 * fails now, it buffers) and the invalidations it had to drop (buffer full while Redis was away).
 */
function countBus(registry: Registry, bus: NonNullable<MetricsOptions["bus"]>): void {
  new Gauge({
    name: "tradedesk_invalidation_bus_up",
    help: "1 while the cache invalidation bus (Redis pub/sub) is connected and subscribed, 0 while it is down",
    registers: [registry],
    collect() {
      this.set(bus.state() === "up" ? 1 : 0);
    },
  });
  new Counter({
    name: "tradedesk_invalidation_bus_lost_messages_total",
    help: "Invalidations this instance could not publish (its buffer overflowed while the bus was down, or it closed)",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(bus.lostMessages());
    },
  });
}

type DataTypeCounterName =
  | "totalRequests"
  | "hits"
  | "misses"
  | "loads"
  | "loadErrors"
  | "coalesced"
  | "staleServed";

/**
 * The cache keeps its own counters (per data type, and for entries); they are exposed as
 * Prometheus counters whose values are copied at scrape time (reset + inc: the cache's numbers
 * only grow, so the series do too).
 */
function countCache(registry: Registry, read: () => CacheFigures): void {
  const byDataType = (
    name: string,
    help: string,
    fill: (counter: Counter<string>, dataType: string, counters: Record<DataTypeCounterName, number>) => void,
    labelNames: string[] = ["data_type"],
  ) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const [dataType, counters] of Object.entries(read().byDataType ?? {})) {
          fill(this, dataType, counters);
        }
      },
    });
  byDataType(
    "tradedesk_cache_requests_total",
    "Positions cache reads (get / getOrLoad), by data type and whether a fresh entry answered (hit) or not (miss)",
    (counter, dataType, c) => {
      counter.inc({ data_type: dataType, result: "hit" }, c.hits);
      counter.inc({ data_type: dataType, result: "miss" }, c.misses);
    },
    ["data_type", "result"],
  );
  byDataType(
    "tradedesk_cache_loads_total",
    "Loader runs after misses, by data type and outcome (ok / error)",
    (counter, dataType, c) => {
      counter.inc({ data_type: dataType, outcome: "ok" }, Math.max(0, c.loads - c.loadErrors));
      counter.inc({ data_type: dataType, outcome: "error" }, c.loadErrors);
    },
    ["data_type", "outcome"],
  );
  byDataType(
    "tradedesk_cache_coalesced_total",
    "Misses that joined a load already running for the same key (single flight)",
    (counter, dataType, c) => counter.inc({ data_type: dataType }, c.coalesced),
  );
  byDataType(
    "tradedesk_cache_stale_served_total",
    "Reads answered with an expired value because the reload failed (stale-if-error)",
    (counter, dataType, c) => counter.inc({ data_type: dataType }, c.staleServed),
  );

  const entries = (name: string, help: string, field: keyof CacheMetrics) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const value = read()[field];
        this.reset();
        if (typeof value === "number") this.inc(value);
      },
    });
  entries(
    "tradedesk_cache_invalidations_total",
    "Invalidation operations, local or applied from the bus (including those that removed nothing)",
    "invalidations",
  );
  entries(
    "tradedesk_cache_invalidated_entries_total",
    "Entries removed by invalidations",
    "invalidatedEntries",
  );
  entries(
    "tradedesk_cache_evictions_total",
    "Entries dropped as least recently used to stay within CACHE_MAX_ENTRIES",
    "evictions",
  );
  entries(
    "tradedesk_cache_expired_entries_total",
    "Expired entries removed (cleanup task or a read that found them expired)",
    "expired",
  );
  entries(
    "tradedesk_cache_bus_publish_errors_total",
    "Invalidations that could not be published on the bus: other instances did not hear of them",
    "busErrors",
  );

  new Gauge({
    name: "tradedesk_cache_entries",
    help: "Entries in the positions cache now (expired ones not removed yet included)",
    registers: [registry],
    collect() {
      this.set(read().size);
    },
  });
  new Gauge({
    name: "tradedesk_cache_loads_in_flight",
    help: "Positions cache loads running now",
    registers: [registry],
    collect() {
      this.set(read().inFlight);
    },
  });
}

/** Every repair kind, so that each series exists at 0 before its first repair (Record: the compiler wants them all). */
const REPAIR_KINDS = Object.keys({
  ORDER_CANCELED: true,
  ORDER_RECORDED_EXTERNAL: true,
  ORDER_STATUS_UPDATED: true,
  INTENT_RESOLVED: true,
  POSITION_CLOSED: true,
  POSITION_OPENED: true,
  POSITION_UPDATED: true,
  REALIZED_PNL_SETTLED: true,
} satisfies Record<RepairKind, true>);

/** Counted as the reconciler reports each run: outcomes by trigger, repairs by kind. */
function countReconciliation(
  registry: Registry,
  reconciler: NonNullable<MetricsOptions["reconciler"]>,
): void {
  const runs = new Counter({
    name: "tradedesk_reconcile_runs_total",
    help: "Reconciliation runs of one exchange account, by what triggered them and how they ended (OK / FAILED)",
    labelNames: ["trigger", "outcome"],
    registers: [registry],
  });
  const repairs = new Counter({
    name: "tradedesk_reconcile_repairs_total",
    help: "Repairs reconciliation made to the record so that it follows the exchange, by kind",
    labelNames: ["kind"],
    registers: [registry],
  });
  // Present from the start (at 0), so that rate() and increase() see the first run too.
  for (const outcome of ["OK", "FAILED"]) runs.inc({ trigger: "STARTUP", outcome }, 0);
  for (const kind of REPAIR_KINDS) repairs.inc({ kind }, 0);
  reconciler.onRun((report) => {
    runs.inc({ trigger: report.trigger, outcome: report.outcome });
    for (const repair of report.repairs) repairs.inc({ kind: repair.kind });
  });
}

/** tRPC's error codes as HTTP statuses, folded into a few outcomes an operator acts on. */
function outcomeOf(status: number): string {
  if (status < 400) return "ok";
  if (status === 429) return "rate_limited";
  if (status === 401 || status === 403) return "unauthorized";
  if (status < 500) return "rejected";
  return "error";
}

/**
 * Times every request (by route pattern, so ids in URLs do not explode the label set), each
 * known tRPC mutation (by its path), and counts the event streams (SSE) open now.
 */
export function instrumentRequests(app: FastifyInstance, registry: Registry): void {
  const duration = new Histogram({
    name: "tradedesk_http_request_duration_seconds",
    help: "HTTP request duration",
    labelNames: ["method", "route", "status"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const mutations = mutationsOf.get(registry) ?? new Set<string>();
  const mutationDuration = new Histogram({
    name: "tradedesk_trpc_mutation_duration_seconds",
    help: "tRPC mutations (orders, closes, SL/TP, login), by procedure and outcome (ok, rejected, unauthorized, rate_limited, error)",
    labelNames: ["procedure", "outcome"],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const streams = new Gauge({
    name: "tradedesk_event_streams_open",
    help: "Event streams (SSE subscriptions, one per open dashboard) connected now",
    registers: [registry],
  });
  const streamsOpened = new Counter({
    name: "tradedesk_event_streams_opened_total",
    help: "Event streams (SSE subscriptions) opened since start",
    registers: [registry],
  });

  app.addHook("onRequest", async (request) => {
    if (!request.headers.accept?.includes("text/event-stream")) return;
    streams.inc();
    streamsOpened.inc();
    request.raw.once("close", () => streams.dec());
  });
  app.addHook("onResponse", async (request, reply) => {
    const seconds = reply.elapsedTime / 1000;
    duration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? "unmatched",
        status: String(reply.statusCode),
      },
      seconds,
    );
    if (request.method !== "POST" || mutations.size === 0) return;
    const path = (request.params as { path?: unknown } | undefined)?.path;
    if (typeof path !== "string") return;
    // A batch ("a,b") answers once for all its calls: each known mutation in it gets the time.
    for (const procedure of path.split(",")) {
      if (mutations.has(procedure)) {
        mutationDuration.observe({ procedure, outcome: outcomeOf(reply.statusCode) }, seconds);
      }
    }
  });
  app.get("/metrics", async (_request, reply) => {
    reply.header("content-type", registry.contentType);
    return registry.metrics();
  });
}
