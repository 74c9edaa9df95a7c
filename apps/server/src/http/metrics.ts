import type { ReconcileListener } from "@tradedesk/core";
import type { FastifyInstance } from "fastify";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * Prometheus metrics for one app instance: its own Registry (not prom-client's global one), so
 * several apps in one process (tests) do not collide. Cache figures are read at scrape time.
 */

/** The cache's metrics as the cache reports them; its top-level numbers are exported. */
export type CacheFigures = object;

export interface MetricsOptions {
  /** Read on every scrape. */
  cacheMetrics: () => CacheFigures;
  /** The reconciler whose runs and repairs are counted (core's desk.reconciler). */
  reconciler?: { onRun(listener: ReconcileListener): unknown };
}

/** Levels, not counts since start: a counter must never go down, so these are gauges of their own. */
const CACHE_GAUGES = new Set(["size", "hitRate", "inFlight"]);

export function createMetricsRegistry(options: MetricsOptions): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  // Counters the cache keeps itself: exposed as counters whose value is set at scrape time.
  new Counter({
    name: "tradedesk_cache_events_total",
    help: "Positions cache events since start (hits, misses, loads, invalidations, evictions...)",
    labelNames: ["event"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [event, value] of Object.entries(options.cacheMetrics() as Record<string, unknown>)) {
        if (typeof value === "number" && !CACHE_GAUGES.has(event)) this.inc({ event }, value);
      }
    },
  });
  new Gauge({
    name: "tradedesk_cache_size",
    help: "Entries in the positions cache",
    registers: [registry],
    collect() {
      const { size } = options.cacheMetrics() as { size?: unknown };
      if (typeof size === "number") this.set(size);
    },
  });
  new Gauge({
    name: "tradedesk_cache_loads_in_flight",
    help: "Positions cache loads running now",
    registers: [registry],
    collect() {
      const { inFlight } = options.cacheMetrics() as { inFlight?: unknown };
      if (typeof inFlight === "number") this.set(inFlight);
    },
  });
  new Gauge({
    name: "tradedesk_cache_hit_ratio",
    help: "Positions cache hits / requests since start (0..1)",
    registers: [registry],
    collect() {
      const { hitRate } = options.cacheMetrics() as { hitRate?: unknown };
      if (typeof hitRate === "number") this.set(hitRate);
    },
  });
  if (options.reconciler) countReconciliation(registry, options.reconciler);
  return registry;
}

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
  reconciler.onRun((report) => {
    runs.inc({ trigger: report.trigger, outcome: report.outcome });
    for (const repair of report.repairs) repairs.inc({ kind: repair.kind });
  });
}

/** Times every request (by route pattern, so ids in URLs do not explode the label set). */
export function instrumentRequests(app: FastifyInstance, registry: Registry): void {
  const duration = new Histogram({
    name: "tradedesk_http_request_duration_seconds",
    help: "HTTP request duration",
    labelNames: ["method", "route", "status"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  app.addHook("onResponse", async (request, reply) => {
    duration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? "unmatched",
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
  app.get("/metrics", async (_request, reply) => {
    reply.header("content-type", registry.contentType);
    return registry.metrics();
  });
}
