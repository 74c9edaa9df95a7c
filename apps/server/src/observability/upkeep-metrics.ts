import { type DailyPnlViewRefresh, monthsCoveredAhead, type OrderPartitions } from "@tradedesk/db";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

const VIEW = "daily_account_pnl";

/**
 * The database's upkeep as Prometheus sees it: the daily PnL view's refreshes and the orders'
 * partitions (alerts in monitoring/: the view older than 30 min, fewer than 1 month ahead, rows in
 * the default partition). Created before the registry, like the exchange metrics: `register` adds
 * them to it.
 */
export function createUpkeepMetrics(now: () => Date = () => new Date()) {
  const refreshDuration = new Histogram({
    name: "tradedesk_materialized_view_refresh_duration_seconds",
    help: "REFRESH MATERIALIZED VIEW CONCURRENTLY run by this instance, by view (waiting for another instance's not included)",
    labelNames: ["view"],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [],
  });
  const refreshes = new Counter({
    name: "tradedesk_materialized_view_refreshes_total",
    help: "Refresh attempts by view and outcome: refreshed, skipped (a refresh since the need arose was recorded, by any instance), failed",
    labelNames: ["view", "outcome"],
    registers: [],
  });
  // Labelled, so that it is absent (not 0, which would read as 1970) until the first answer.
  const refreshedAt = new Gauge({
    name: "tradedesk_materialized_view_refreshed_timestamp_seconds",
    help: "When the view's data is as of (its last refresh by any instance on the database), as this instance last read it",
    labelNames: ["view"],
    registers: [],
  });
  for (const outcome of ["refreshed", "skipped", "failed"]) refreshes.inc({ view: VIEW, outcome }, 0);

  let partitions: OrderPartitions | null = null;
  const monthsAhead = new Gauge({
    name: "tradedesk_order_partitions_months_ahead",
    help: "Whole months after the current one (UTC) whose orders partition exists, from the last partition maintenance; -1: none for the current month",
    registers: [],
    collect() {
      if (partitions) this.set(monthsCoveredAhead(partitions.months, now()));
    },
  });
  const defaultRows = new Gauge({
    name: "tradedesk_order_partitions_default_rows",
    help: "Orders in the default partition (months without a partition of their own) at the last partition maintenance",
    registers: [],
    collect() {
      if (partitions) this.set(partitions.defaultRows);
    },
  });

  return {
    register(registry: Registry) {
      for (const metric of [refreshDuration, refreshes, refreshedAt, monthsAhead, defaultRows]) {
        registry.registerMetric(metric);
      }
    },
    refreshed(result: DailyPnlViewRefresh) {
      refreshes.inc({ view: VIEW, outcome: result.refreshed ? "refreshed" : "skipped" });
      if (result.refreshed) refreshDuration.observe({ view: VIEW }, result.durationMs / 1000);
      refreshedAt.set({ view: VIEW }, result.refreshedAt.getTime() / 1000);
    },
    refreshFailed() {
      refreshes.inc({ view: VIEW, outcome: "failed" });
    },
    partitionsListed(listed: OrderPartitions) {
      partitions = listed;
    },
  };
}

export type UpkeepMetrics = ReturnType<typeof createUpkeepMetrics>;
