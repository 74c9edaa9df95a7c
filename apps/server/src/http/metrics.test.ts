import { createPositionsCache, type ReconcileListener } from "@tradedesk/core";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { createMetricsRegistry, instrumentRequests } from "./metrics.ts";

/** The registry against a real positions cache, and the request hooks on a real fastify on 127.0.0.1. */

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("cache metrics", () => {
  it("counts reads by data type and result, loads by outcome, and what happened to entries", async () => {
    const cache = createPositionsCache({ maxEntries: 2 });
    cleanups.push(() => cache.stop());
    const registry = createMetricsRegistry({ cacheMetrics: () => cache.getMetrics() });
    await cache.getOrLoad("u1", "balances_summary", () => 1); // miss, load
    await cache.getOrLoad("u1", "balances_summary", () => 1); // hit
    await cache.getOrLoad("u1", "balances_summary", () => 1); // hit
    await expect(
      cache.getOrLoad("u2", "orders", () => {
        throw new Error("exchange down");
      }),
    ).rejects.toThrow(); // miss, failed load
    await cache.set("u3", "orders", 3);
    await cache.set("u4", "orders", 4); // over maxEntries: one evicted
    await cache.invalidate("u4");

    const text = await registry.metrics();
    const requests = (dataType: string, result: string) =>
      sample(text, `tradedesk_cache_requests_total{data_type="${dataType}",result="${result}"}`);
    expect(requests("balances_summary", "hit")).toBe(2);
    expect(requests("balances_summary", "miss")).toBe(1);
    expect(requests("orders", "miss")).toBe(1);
    expect(sample(text, 'tradedesk_cache_loads_total{data_type="balances_summary",outcome="ok"}')).toBe(1);
    expect(sample(text, 'tradedesk_cache_loads_total{data_type="orders",outcome="error"}')).toBe(1);
    expect(sample(text, "tradedesk_cache_evictions_total")).toBe(1);
    expect(sample(text, "tradedesk_cache_invalidations_total")).toBe(1);
    expect(sample(text, "tradedesk_cache_invalidated_entries_total")).toBe(1);
    expect(sample(text, "tradedesk_cache_entries")).toBe(1);
    expect(sample(text, "tradedesk_cache_loads_in_flight")).toBe(0);
    // The hit rate is a query over these counters (monitoring/), never a since-start gauge.
    expect(text).not.toContain("hit_ratio");
    expect(text).toContain("# TYPE tradedesk_cache_requests_total counter");
  });
});

async function serve(configure: (app: FastifyInstance) => void, mutations: string[] = []) {
  const registry = createMetricsRegistry({
    cacheMetrics: () => ({ size: 0, inFlight: 0 }),
    mutations,
  });
  const app = Fastify();
  instrumentRequests(app, registry);
  configure(app);
  await app.listen({ port: 0, host: "127.0.0.1" });
  cleanups.push(() => app.close());
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  const url = `http://127.0.0.1:${address.port}`;
  return { url, scrape: async () => (await fetch(`${url}/metrics`)).text() };
}

describe("request metrics", () => {
  it("times known mutations by procedure and outcome, and never labels an unknown path", async () => {
    const { url, scrape } = await serve(
      (app) => {
        app.post("/trpc/:path", async (request, reply) => {
          const { path } = request.params as { path: string };
          if (path === "orders.create") return reply.status(400).send({});
          if (path === "auth.login") return reply.status(429).send({});
          return {};
        });
      },
      ["orders.create", "auth.login", "positions.close"],
    );
    for (const path of [
      "orders.create",
      "auth.login",
      "positions.close",
      "made.up",
      "positions.close,made.up2",
    ]) {
      await fetch(`${url}/trpc/${path}`, { method: "POST" });
    }
    const text = await scrape();
    const count = (procedure: string, outcome: string) =>
      sample(
        text,
        `tradedesk_trpc_mutation_duration_seconds_count{procedure="${procedure}",outcome="${outcome}"}`,
      );
    expect(count("orders.create", "rejected")).toBe(1);
    expect(count("auth.login", "rate_limited")).toBe(1);
    expect(count("positions.close", "ok")).toBe(2); // alone, then in a batch
    expect(text).not.toContain("made.up");
    expect(text).toMatch(
      /tradedesk_http_request_duration_seconds_count\{method="POST",route="\/trpc\/:path"/,
    );
  });

  it("counts the event streams open now", async () => {
    let opened!: () => void;
    const streamOpen = new Promise<void>((resolve) => {
      opened = resolve;
    });
    const { url, scrape } = await serve((app) => {
      app.get("/events", (_request, reply) => {
        reply.raw.writeHead(200, { "content-type": "text/event-stream" });
        reply.raw.write(": open\n\n");
        opened();
      });
    });
    const abort = new AbortController();
    const response = await fetch(`${url}/events`, {
      headers: { accept: "text/event-stream" },
      signal: abort.signal,
    });
    await streamOpen;
    expect(response.status).toBe(200);
    expect(sample(await scrape(), "tradedesk_event_streams_open")).toBe(1);
    expect(sample(await scrape(), "tradedesk_event_streams_opened_total")).toBe(1);
    abort.abort();
    await expect
      .poll(async () => sample(await scrape(), "tradedesk_event_streams_open"), { timeout: 10_000 })
      .toBe(0);
  });
});

describe("reconciliation metrics", () => {
  it("has every repair kind at 0 before the first repair, then counts runs and repairs", async () => {
    let listener: ReconcileListener = () => {};
    const registry = createMetricsRegistry({
      cacheMetrics: () => ({ size: 0, inFlight: 0 }),
      reconciler: { onRun: (l) => (listener = l) },
    });
    const before = await registry.metrics();
    expect(sample(before, 'tradedesk_reconcile_repairs_total{kind="POSITION_CLOSED"}')).toBe(0);
    expect(sample(before, 'tradedesk_reconcile_runs_total{trigger="STARTUP",outcome="FAILED"}')).toBe(0);
    listener({
      runId: "r1",
      accountId: "a1",
      userId: "u1",
      trigger: "SCHEDULE",
      outcome: "OK",
      repairs: [{ kind: "POSITION_CLOSED", symbol: "BTCUSDT", action: "closed" }],
    });
    const after = await registry.metrics();
    expect(sample(after, 'tradedesk_reconcile_repairs_total{kind="POSITION_CLOSED"}')).toBe(1);
    expect(sample(after, 'tradedesk_reconcile_runs_total{trigger="SCHEDULE",outcome="OK"}')).toBe(1);
    // Account and user ids are never labels.
    expect(after).not.toContain("a1");
    expect(after).not.toContain("u1");
  });
});
