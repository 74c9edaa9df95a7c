import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { buildDashboard, DASHBOARD_FILE, dashboardJson, dashboardQueries } from "../grafana/dashboard.ts";

/** The provisioned JSON is what the code builds; the live test runs every query against Prometheus. */
describe("the Grafana dashboard", () => {
  it("is committed as generated (pnpm --filter @tradedesk/monitoring dashboards)", async () => {
    // Compared as data: biome formats the file (pnpm lint).
    expect(JSON.parse(await readFile(DASHBOARD_FILE, "utf8"))).toEqual(JSON.parse(dashboardJson()));
  });

  it("covers cache, exchange budget and latency, streams, reconciliation, database upkeep and errors, on the provisioned data source", () => {
    const built = buildDashboard();
    const rows = (built.panels ?? []).filter((panel) => panel.type === "row").map((panel) => panel.title);
    expect(rows).toEqual([
      "Overview",
      "Cache",
      "Exchange",
      "Streams",
      "Reconciliation and bus",
      "Database upkeep",
      "Requests and errors",
    ]);
    const exprs = dashboardQueries(built).map((q) => q.expr);
    for (const metric of [
      "tradedesk:cache_hit_ratio:rate5m",
      "tradedesk_exchange_weight_used_1m",
      "tradedesk_exchange_weight_limit_1m",
      "tradedesk:exchange_request_duration_seconds:p95_5m",
      "tradedesk_event_streams_open",
      "tradedesk:price_feed_age_seconds",
      "tradedesk_reconcile_repairs_total",
      "tradedesk_materialized_view_refreshed_timestamp_seconds",
      "tradedesk_order_partitions_months_ahead",
      "tradedesk_order_partitions_default_rows",
      "tradedesk:http_5xx:ratio_rate5m",
    ]) {
      expect(
        exprs.some((expr) => expr.includes(metric)),
        metric,
      ).toBe(true);
    }
    for (const panel of built.panels ?? []) {
      if (panel.type !== "row") expect(panel.datasource?.uid, panel.title).toBe("tradedesk-prometheus");
    }
  });
});
