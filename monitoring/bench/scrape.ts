import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { appRouter } from "@tradedesk/api";
import { createPositionsCache, createSimulatedExchange } from "@tradedesk/core";
import { initTRPC } from "@trpc/server";
// The server's own metrics wiring and HTTP host (not exported by @tradedesk/server's index).
import { createHttpServer } from "../../apps/server/src/http/http-server.ts";
import { createMetricsRegistry } from "../../apps/server/src/http/metrics.ts";
import { createLogger } from "../../apps/server/src/logging.ts";
import { createExchangeMetrics } from "../../apps/server/src/observability/exchange-metrics.ts";
import { mutationPaths } from "../../apps/server/src/observability/procedures.ts";

/**
 * Scraping /metrics at 10,000 cached entries (CACHE_MAX_ENTRIES' default): the server's real
 * registry (process metrics, cache, exchange, reconciliation, requests) behind the real HTTP host
 * on 127.0.0.1, scraped over HTTP one request after another as Prometheus does. Target: under
 * 5 ms. Run: `pnpm bench` (or `pnpm --filter @tradedesk/monitoring bench`); figures in results.md.
 */

const ENTRIES = 10_000;
const WARM_UP = 100;
const SCRAPES = 1_000;

const cache = createPositionsCache({ maxEntries: ENTRIES, ttlMs: 3_600_000 });
for (let user = 0; user < ENTRIES; user++) {
  await cache.getOrLoad(`user-${user}`, "balances_summary", () => ({ user }));
  await cache.getOrLoad(`user-${user}`, "balances_summary", () => ({ user }));
}
if (cache.getMetrics().size !== ENTRIES) throw new Error(`cache holds ${cache.getMetrics().size} entries`);

// Every exchange series present, as on a server that has traded.
const exchange = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0 });
const exchangeMetrics = createExchangeMetrics();
const gateway = exchangeMetrics.observe(exchange);
await gateway.getAccountSnapshot({ id: "bench" });
await gateway.getMarkPrices(["BTCUSDT", "ETHUSDT"]);

const registry = createMetricsRegistry({
  cacheMetrics: () => cache.getMetrics(),
  reconciler: { onRun: () => () => {} },
  mutations: mutationPaths(appRouter),
  extra: [exchangeMetrics.register],
});
const t = initTRPC.create();
const http = await createHttpServer({
  logger: createLogger("silent", false),
  router: t.router({}),
  createContext: async () => ({}),
  readiness: async () => ({ ready: true }),
  metrics: registry,
  webDistDir: null,
});
const url = await http.listen(0, "127.0.0.1");

async function scrape(): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${url}/metrics`);
  const text = await response.text();
  const elapsed = performance.now() - started;
  if (response.status !== 200 || !text.includes("tradedesk_cache_entries 10000")) {
    throw new Error(`unexpected scrape: ${response.status}`);
  }
  return elapsed;
}

async function collect(): Promise<number> {
  const started = performance.now();
  await registry.metrics();
  return performance.now() - started;
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted.at(-1)! };
}

for (let i = 0; i < WARM_UP; i++) await scrape();
const overHttp: number[] = [];
for (let i = 0; i < SCRAPES; i++) overHttp.push(await scrape());
const registryOnly: number[] = [];
for (let i = 0; i < SCRAPES; i++) registryOnly.push(await collect());
const bytes = (await (await fetch(`${url}/metrics`)).text()).length;
await http.close();
cache.stop();
await exchange.close();

const ms = (value: number) => value.toFixed(2);
const rows = [
  ["GET /metrics over HTTP (127.0.0.1)", summary(overHttp)],
  ["registry.metrics() alone", summary(registryOnly)],
] as const;
const report = `# /metrics scrape benchmark

Node ${process.version}, ${new Date().toISOString()}; ${ENTRIES.toLocaleString("en")} cached entries,
${SCRAPES} scrapes one after another after ${WARM_UP} to warm up; ${bytes.toLocaleString("en")} bytes a scrape.
Target: under 5 ms. Milliseconds.

| what | p50 | p95 | p99 | max |
| ---- | --: | --: | --: | --: |
${rows.map(([name, s]) => `| ${name} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${ms(s.max)} |`).join("\n")}
`;
console.log(report);
writeFileSync(new URL("./results.md", import.meta.url), report);
