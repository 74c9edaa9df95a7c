import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";

/**
 * The tradedesk Grafana dashboard, as code (Grafana's foundation SDK, typed). `pnpm --filter
 * @tradedesk/monitoring dashboards` writes dashboards/tradedesk.json, which Grafana loads through
 * provisioning/ (monitoring's tests fail when the JSON is not what this file builds, and when a
 * panel's query returns nothing from a live Prometheus scraping a live server).
 */

/** The provisioned data source (provisioning/datasources/prometheus.yml). */
const DATASOURCE: common.DataSourceRef = { type: "prometheus", uid: "tradedesk-prometheus" };

export const DASHBOARD_FILE = join(dirname(fileURLToPath(import.meta.url)), "dashboards/tradedesk.json");

function query(expr: string, legend: string, refId: string) {
  return new prometheus.DataqueryBuilder()
    .datasource(DATASOURCE)
    .expr(expr)
    .legendFormat(legend)
    .refId(refId);
}

type Targets = [expr: string, legend: string][];

function withTargets<T extends { withTarget(target: prometheus.DataqueryBuilder): T }>(
  panel: T,
  targets: Targets,
): T {
  targets.forEach(([expr, legend], index) => {
    panel.withTarget(query(expr, legend, String.fromCharCode(65 + index)));
  });
  return panel;
}

function graph(title: string, description: string, unit: string, targets: Targets) {
  return withTargets(
    new timeseries.PanelBuilder()
      .title(title)
      .description(description)
      .datasource(DATASOURCE)
      .unit(unit)
      .min(0)
      .height(8)
      .span(12)
      .fillOpacity(10)
      .legend(
        new common.VizLegendOptionsBuilder()
          .displayMode(common.LegendDisplayMode.List)
          .placement(common.LegendPlacement.Bottom)
          .showLegend(true),
      ),
    targets,
  );
}

function single(title: string, description: string, unit: string, targets: Targets) {
  return withTargets(
    new stat.PanelBuilder()
      .title(title)
      .description(description)
      .datasource(DATASOURCE)
      .unit(unit)
      .height(4)
      .span(6)
      .graphMode(common.BigValueGraphMode.Area),
    targets,
  );
}

/** Red at and above `at`. */
function redFrom(at: number) {
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
    { value: null, color: "green" },
    { value: at, color: "red" },
  ]);
}

function greenFrom(at: number) {
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
    { value: null, color: "red" },
    { value: at, color: "green" },
  ]);
}

export function buildDashboard(): dashboard.Dashboard {
  const rate = "$__rate_interval";
  return new dashboard.DashboardBuilder("tradedesk")
    .uid("tradedesk-overview")
    .description(
      "The trading desk server: cache, exchange budget and latency, streams, reconciliation, errors",
    )
    .tags(["tradedesk", "generated"])
    .refresh("30s")
    .time({ from: "now-1h", to: "now" })
    .timezone("browser")
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .readonly()

    .withRow(new dashboard.RowBuilder("Overview"))
    .withPanel(
      single("Servers up", "Instances answering their /metrics scrape", "none", [
        ['sum(up{job="tradedesk"})', "up"],
      ]),
    )
    .withPanel(
      single(
        "Cache hit rate (5 min)",
        "Alert TradedeskCacheHitRateLow below 50% for 5 minutes",
        "percentunit",
        [["tradedesk:cache_hit_ratio:rate5m", "{{instance}}"]],
      ).thresholds(greenFrom(0.5)),
    )
    .withPanel(
      single("5xx share (5 min)", "Alert TradedeskHttp5xxHigh above 5% for 5 minutes", "percentunit", [
        ["tradedesk:http_5xx:ratio_rate5m", "{{instance}}"],
      ]).thresholds(redFrom(0.05)),
    )
    .withPanel(
      single("Alerts firing", "tradedesk alerts firing now (monitoring/prometheus/rules)", "none", [
        ['count(ALERTS{alertstate="firing", job="tradedesk"}) or vector(0)', "firing"],
      ]).thresholds(redFrom(1)),
    )

    .withRow(new dashboard.RowBuilder("Cache"))
    .withPanel(
      graph(
        "Cache hit rate",
        "Hits / reads over 5 minutes (recording rule); the alert is at 50%",
        "percentunit",
        [["tradedesk:cache_hit_ratio:rate5m", "{{instance}}"]],
      )
        .max(1)
        .thresholds(
          new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
            { value: null, color: "red" },
            { value: 0.5, color: "transparent" },
          ]),
        )
        .thresholdsStyle(
          new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Line),
        ),
    )
    .withPanel(
      graph("Cache reads", "Reads per second by data type, hit or miss", "reqps", [
        [
          `sum by (data_type, result) (rate(tradedesk_cache_requests_total[${rate}]))`,
          "{{data_type}} {{result}}",
        ],
      ]),
    )
    .withPanel(
      graph(
        "Cache loads, invalidations, evictions",
        "Loader runs by outcome; entries invalidated, evicted (LRU), expired",
        "ops",
        [
          [`sum by (outcome) (rate(tradedesk_cache_loads_total[${rate}]))`, "loads {{outcome}}"],
          [`sum(rate(tradedesk_cache_invalidated_entries_total[${rate}]))`, "invalidated"],
          [`sum(rate(tradedesk_cache_evictions_total[${rate}]))`, "evicted"],
          [`sum(rate(tradedesk_cache_expired_entries_total[${rate}]))`, "expired"],
          [`sum(rate(tradedesk_cache_coalesced_total[${rate}]))`, "coalesced (single flight)"],
        ],
      ),
    )
    .withPanel(
      graph(
        "Cache entries and loads in flight",
        "Entries held (CACHE_MAX_ENTRIES bounds them); loads running",
        "short",
        [
          ["sum by (instance) (tradedesk_cache_entries)", "entries {{instance}}"],
          ["sum by (instance) (tradedesk_cache_loads_in_flight)", "loads in flight {{instance}}"],
        ],
      ),
    )

    .withRow(new dashboard.RowBuilder("Exchange"))
    .withPanel(
      graph(
        "Request weight used vs budget",
        "Weight used this minute; the budget where the gateway has one (Binance)",
        "short",
        [
          ["max by (exchange) (tradedesk_exchange_weight_used_1m)", "used {{exchange}}"],
          ["max by (exchange) (tradedesk_exchange_weight_limit_1m)", "budget {{exchange}}"],
          ["max by (exchange) (tradedesk_exchange_weight_limit_1m) * 0.8", "alert at 80% {{exchange}}"],
        ],
      ),
    )
    .withPanel(
      graph("Exchange calls", "REST calls per second by operation and outcome", "reqps", [
        [
          `sum by (exchange, operation, outcome) (rate(tradedesk_exchange_requests_total[${rate}]))`,
          "{{exchange}} {{operation}} {{outcome}}",
        ],
      ]),
    )
    .withPanel(
      graph(
        "Exchange errors by kind",
        "Failed calls: rate_limited (429 or our budget), banned (418), unavailable, rejected, unknown_outcome",
        "reqps",
        [
          [
            `sum by (exchange, outcome) (rate(tradedesk_exchange_requests_total{outcome!="ok"}[${rate}]))`,
            "{{exchange}} {{outcome}}",
          ],
        ],
      ),
    )
    .withPanel(
      graph("Exchange latency p95", "95th percentile of REST call time by operation (5 min)", "s", [
        ["tradedesk:exchange_request_duration_seconds:p95_5m", "{{exchange}} {{operation}}"],
      ]),
    )
    .withPanel(
      graph("Exchange blocked", "1 while a 418 ban or a 429 back-off holds every call (Binance)", "short", [
        ["max by (exchange, reason) (tradedesk_exchange_blocked)", "{{exchange}} {{reason}}"],
      ]).max(1),
    )

    .withRow(new dashboard.RowBuilder("Streams"))
    .withPanel(
      graph("Event streams open", "Dashboards connected (SSE subscriptions)", "short", [
        ["sum by (instance) (tradedesk_event_streams_open)", "{{instance}}"],
      ]),
    )
    .withPanel(
      graph(
        "Price feed age",
        "Seconds since the last mark-price tick while someone watches; the alert is at 30 s",
        "s",
        [["tradedesk:price_feed_age_seconds", "{{exchange}} {{instance}}"]],
      ).thresholds(redFrom(30)),
    )
    .withPanel(
      graph(
        "Mark-price ticks and subscriptions",
        "Ticks per second received; mark-price subscriptions open",
        "short",
        [
          [`sum by (exchange) (rate(tradedesk_price_feed_ticks_total[${rate}]))`, "ticks/s {{exchange}}"],
          ["sum by (exchange) (tradedesk_price_feed_subscriptions)", "subscriptions {{exchange}}"],
        ],
      ),
    )
    .withPanel(
      graph(
        "Account event streams",
        "User data streams subscribed, and their events per second by type",
        "short",
        [
          ["sum by (exchange) (tradedesk_exchange_account_streams)", "streams {{exchange}}"],
          [
            `sum by (exchange, type) (rate(tradedesk_exchange_account_events_total[${rate}]))`,
            "{{exchange}} {{type}}/s",
          ],
        ],
      ),
    )

    .withRow(new dashboard.RowBuilder("Reconciliation and bus"))
    .withPanel(
      graph("Reconcile runs", "Runs by trigger and outcome; alert on any FAILED", "short", [
        [
          `sum by (trigger, outcome) (increase(tradedesk_reconcile_runs_total[${rate}]))`,
          "{{trigger}} {{outcome}}",
        ],
      ]),
    )
    .withPanel(
      graph(
        "Reconcile repairs",
        "Repairs by kind; a steady rate means answers or events get lost upstream",
        "short",
        [[`sum by (kind) (increase(tradedesk_reconcile_repairs_total[${rate}]))`, "{{kind}}"]],
      ),
    )
    .withPanel(
      graph(
        "Invalidation bus",
        "Invalidations other instances did not hear of (publish failed: Redis down)",
        "short",
        [[`sum by (instance) (increase(tradedesk_cache_bus_publish_errors_total[${rate}]))`, "{{instance}}"]],
      ),
    )

    .withRow(new dashboard.RowBuilder("Database upkeep"))
    .withPanel(
      single(
        "Daily PnL view age",
        "Since the data of the history's daily views (daily_account_pnl and its rollup); alert TradedeskDailyPnlViewStale over 30 min",
        "s",
        [["time() - max by (view) (tradedesk_materialized_view_refreshed_timestamp_seconds)", "{{view}}"]],
      ).thresholds(redFrom(1800)),
    )
    .withPanel(
      single(
        "Orders partitions ahead",
        "Whole months after this one with an orders partition; alert below 1",
        "none",
        [["min(tradedesk_order_partitions_months_ahead)", "months ahead"]],
      ).thresholds(greenFrom(1)),
    )
    .withPanel(
      single(
        "Orders in the default partition",
        "Orders of months without a partition of their own: every query reads them; alert above 0",
        "none",
        [["max(tradedesk_order_partitions_default_rows)", "rows"]],
      ).thresholds(redFrom(1)),
    )
    .withPanel(
      graph(
        "Daily view refreshes",
        "Refreshes by outcome: refreshed, skipped (another instance's refresh already held the change), failed",
        "short",
        [
          [
            `sum by (outcome) (increase(tradedesk_materialized_view_refreshes_total[${rate}]))`,
            "{{outcome}}",
          ],
        ],
      ),
    )

    .withRow(new dashboard.RowBuilder("Requests and errors"))
    .withPanel(
      graph("Mutation latency p95", "Orders, closes, SL/TP, login: 95th percentile (5 min)", "s", [
        ["tradedesk:trpc_mutation_duration_seconds:p95_5m", "{{procedure}}"],
      ]),
    )
    .withPanel(
      graph("Mutations by outcome", "ok, rejected, unauthorized, rate_limited, error", "reqps", [
        [
          `sum by (procedure, outcome) (rate(tradedesk_trpc_mutation_duration_seconds_count[${rate}]))`,
          "{{procedure}} {{outcome}}",
        ],
      ]),
    )
    .withPanel(
      graph(
        "Sign-ins and throttling",
        "auth.login by outcome: rate_limited is the login throttle refusing, unauthorized a wrong password",
        "reqps",
        [
          [
            `sum by (outcome) (rate(tradedesk_trpc_mutation_duration_seconds_count{procedure="auth.login"}[${rate}]))`,
            "login {{outcome}}",
          ],
        ],
      ),
    )
    .withPanel(
      graph("HTTP requests by status", "Requests per second by route pattern and status", "reqps", [
        [
          `sum by (route, status) (rate(tradedesk_http_request_duration_seconds_count[${rate}]))`,
          "{{route}} {{status}}",
        ],
      ]),
    )
    .withPanel(
      graph(
        "5xx share",
        "Server errors / requests (5 min); the alert is at 5% for 5 minutes",
        "percentunit",
        [["tradedesk:http_5xx:ratio_rate5m", "{{instance}}"]],
      ).thresholds(redFrom(0.05)),
    )
    .build();
}

/** Every query of the dashboard with its panel's title (the live test runs each). */
export function dashboardQueries(
  built: dashboard.Dashboard = buildDashboard(),
): { panel: string; expr: string }[] {
  const queries: { panel: string; expr: string }[] = [];
  for (const panel of built.panels ?? []) {
    if (!("targets" in panel)) continue;
    for (const target of panel.targets ?? []) {
      const expr = (target as { expr?: unknown }).expr;
      if (typeof expr === "string") queries.push({ panel: panel.title ?? "", expr });
    }
  }
  return queries;
}

export function dashboardJson(): string {
  return `${JSON.stringify(buildDashboard(), null, 2)}\n`;
}

if (process.argv.includes("--write")) {
  await writeFile(DASHBOARD_FILE, dashboardJson());
  console.log(`wrote ${DASHBOARD_FILE}`);
}
