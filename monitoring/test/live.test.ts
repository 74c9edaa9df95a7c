import { type App, createApp, loadConfig } from "@tradedesk/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { dashboardQueries } from "../grafana/dashboard.ts";
import { prometheusApi, type RunningPrometheus, startPrometheus } from "../src/prometheus.ts";
import { createClient } from "./support/trpc-client.ts";

/**
 * A real Prometheus (Debian's package) with the repo's configuration and rules scrapes a real
 * server on 127.0.0.1. Only the intervals are shortened: scrape and evaluation every second, and
 * every alert's `for:` 5 s instead of minutes (the expressions are the repo's, unchanged).
 */

const ALERT_FOR_SECONDS = 5;

interface Alert {
  labels: Record<string, string>;
  state: "pending" | "firing";
  activeAt: string;
}
interface RuleGroup {
  rules: { name: string; type: string; state?: string; health: string; lastEvaluation: string }[];
}
interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

let app: App;
let url: string;
let prometheus: RunningPrometheus;

beforeAll(async () => {
  app = await createApp(
    loadConfig({
      PORT: "0",
      DATABASE_URL: "memory://",
      SIMULATED_LATENCY_MS: "0",
      SIMULATED_PRICE_TICK_MS: "0",
      CACHE_TTL_MS: "60000",
      JWT_SECRET: "monitoring-tests-secret-that-is-long-enough",
      LOG_LEVEL: "silent",
    }),
  );
  url = await app.listen();
  await app.reconciled;
  prometheus = await startPrometheus({
    target: new URL(url).host,
    interval: "1s",
    alertFor: `${ALERT_FOR_SECONDS}s`,
  });
  // Scraped at least once, and the rules evaluated after that.
  await vi.waitFor(
    async () => {
      const up = await query('up{job="tradedesk"}');
      expect(up[0]?.value[1]).toBe("1");
      const groups = await prometheusApi<{ groups: RuleGroup[] }>(prometheus.url, "rules");
      const rule = groups.groups
        .flatMap((group) => group.rules)
        .find((r) => r.name === "TradedeskCacheHitRateLow");
      expect(rule?.health).toBe("ok");
    },
    { timeout: 60_000, interval: 250 },
  );
});

afterAll(async () => {
  await prometheus?.stop();
  await app?.close();
});

async function query(expr: string): Promise<Sample[]> {
  const data = await prometheusApi<{ resultType: string; result: Sample[] }>(prometheus.url, "query", {
    query: expr,
  });
  return data.result;
}

async function cacheAlert(): Promise<Alert | undefined> {
  const { alerts } = await prometheusApi<{ alerts: Alert[] }>(prometheus.url, "alerts");
  return alerts.find((alert) => alert.labels.alertname === "TradedeskCacheHitRateLow");
}

async function signIn(email = "demo@example.com") {
  const { token } = await createClient(url).auth.login.mutate({ email, password: "tradedesk-demo" });
  return createClient(url, token);
}

describe("a live Prometheus on the repo's rules", () => {
  it("stays quiet without reads, then sees the cache hit rate fall below 50%: pending, then firing", async () => {
    // No reads yet: 0/0 is no sample, so no alert (a quiet night pages nobody).
    expect(await cacheAlert()).toBeUndefined();

    const trader = await signIn();
    const userId = (await trader.auth.me.query()).id;
    // Every read is preceded by an invalidation (as a storm of exchange events would do): misses only.
    const seen: { state: string; at: number }[] = [];
    await vi.waitFor(
      async () => {
        await app.desk.cache.invalidate(userId);
        const read = await trader.dashboard.balances.query();
        expect(read.fromCache).toBe(false);
        const alert = await cacheAlert();
        if (alert && seen.at(-1)?.state !== alert.state) seen.push({ state: alert.state, at: Date.now() });
        expect(alert?.state).toBe("firing");
      },
      { timeout: 90_000, interval: 200 },
    );
    expect(seen.map((s) => s.state)).toEqual(["pending", "firing"]);
    const ratio = await query("tradedesk:cache_hit_ratio:rate5m");
    expect(Number(ratio[0]?.value[1])).toBeLessThan(0.5);
    const pendingMs = seen[1]!.at - seen[0]!.at;
    // Figures for the record (not asserted: wall-clock speed is no test's business).
    console.info(
      `TradedeskCacheHitRateLow: pending, then firing ${pendingMs} ms later (for: ${ALERT_FOR_SECONDS}s)`,
    );
  });

  it("answers every query of the Grafana dashboard with series", async () => {
    const trader = await signIn();
    const accountId = (await trader.accounts.list.query())[0]!.id;

    // A dashboard open: an event stream, following the user's mark prices.
    const events: string[] = [];
    const subscription = trader.dashboard.events.subscribe(undefined, {
      onData: ({ data }) => events.push(data.type),
    });
    try {
      let price = 65_000;
      await vi.waitFor(
        async () => {
          price += 1;
          await app.simulatedExchange.setMarkPrice("BTCUSDT", String(price));
          expect(events).toContain("mark-prices");
        },
        { timeout: 30_000, interval: 200 },
      );
      // A trade: a mutation, an order on the exchange, account events.
      await trader.orders.create.mutate({
        accountId,
        symbol: "BNBUSDT",
        side: "BUY",
        type: "MARKET",
        quantity: "1",
      });
      // The exchange refuses one (429): an exchange error by kind, a rate-limited mutation.
      app.simulatedExchange.injectFault(
        { kind: "rate-limited", retryAfterMs: 1_000 },
        { operation: "placeOrder" },
      );
      await expect(
        trader.orders.create.mutate({
          accountId,
          symbol: "BNBUSDT",
          side: "BUY",
          type: "MARKET",
          quantity: "1",
        }),
      ).rejects.toThrow();

      // Prometheus has scraped all of that.
      await vi.waitFor(
        async () => {
          expect(
            await query('increase(tradedesk_exchange_requests_total{outcome="rate_limited"}[1m]) > 0'),
          ).not.toHaveLength(0);
          expect(await query("tradedesk_event_streams_open > 0")).not.toHaveLength(0);
          expect(await query('tradedesk_exchange_account_events_total{type="order"}')).not.toHaveLength(0);
        },
        { timeout: 30_000, interval: 250 },
      );

      // Binance-only series (a budget, a ban or back-off) do not exist with the simulated exchange.
      const binanceOnly = /tradedesk_exchange_weight_limit_1m|tradedesk_exchange_blocked/;
      const queries = dashboardQueries().filter(({ expr }) => !binanceOnly.test(expr));
      expect(queries.length).toBeGreaterThanOrEqual(25);
      const empty: string[] = [];
      for (const { panel, expr } of queries) {
        const result = await query(expr.replaceAll("$__rate_interval", "1m"));
        if (result.length === 0) empty.push(`${panel}: ${expr}`);
      }
      expect(empty).toEqual([]);
    } finally {
      subscription.unsubscribe();
    }
  });
});
