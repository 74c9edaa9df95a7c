import { initTRPC, TRPCError } from "@trpc/server";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createTestClient } from "../../test/testing/trpc-client.ts";
import type { Readiness } from "./health.ts";
import { createHttpServer, type HttpServer } from "./http-server.ts";
import { createMetricsRegistry } from "./metrics.ts";

/** A stand-in router: the host must work for any router, whatever the domain does. */
function testRouter() {
  const t = initTRPC.context<{ authorization: string | undefined }>().create();
  let releaseSlow: () => void = () => {};
  let streamAborted: () => void = () => {};
  const streamEnded = new Promise<void>((resolve) => {
    streamAborted = resolve;
  });
  let slowStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    slowStarted = resolve;
  });
  const router = t.router({
    whoami: t.procedure.query(({ ctx }) => ctx.authorization ?? "anonymous"),
    limited: t.procedure.query(() => {
      throw new TRPCError({
        code: "TOO_MANY_REQUESTS",
        message: "rate limited",
        cause: Object.assign(new Error("429"), { retryAfterMs: 1_500 }),
      });
    }),
    slow: t.procedure.mutation(async () => {
      slowStarted();
      await new Promise<void>((resolve) => {
        releaseSlow = resolve;
      });
      return "finished";
    }),
    ticks: t.procedure.subscription(async function* ({ ctx, signal }) {
      yield `hello ${ctx.authorization ?? "anonymous"}`;
      // Waits until the client goes away or the server ends the stream.
      await new Promise<void>((resolve) => signal?.addEventListener("abort", () => resolve()));
      streamAborted();
    }),
  });
  return { router, started, streamEnded, release: () => releaseSlow() };
}

const servers: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(
  readiness: () => Promise<Readiness> = async () => ({ ready: true }),
  logLines: string[] | null = null,
) {
  const test = testRouter();
  const server = await createHttpServer({
    logger: logLines
      ? pino({ level: "info" }, { write: (line: string) => logLines.push(line) })
      : pino({ level: "silent" }),
    router: test.router,
    createContext: async ({ authorization }) => ({ authorization }),
    readiness,
    metrics: createMetricsRegistry({
      cacheMetrics: () => ({
        size: 2,
        inFlight: 1,
        byDataType: {
          balances_summary: {
            totalRequests: 4,
            hits: 3,
            misses: 1,
            loads: 1,
            loadErrors: 0,
            coalesced: 0,
            staleServed: 0,
            hitRate: 0.75,
          },
        },
      }),
    }),
    webDistDir: null,
  });
  servers.push(server);
  const url = await server.listen(0, "127.0.0.1");
  const client = createTestClient<typeof test.router>(url, {
    authorization: "Bearer header-token",
    token: "sse-token",
  });
  return { server, url, client, test };
}

describe("HTTP host", () => {
  it("answers /healthz and reports readiness on /readyz", async () => {
    let readiness: Readiness = { ready: false, reason: "migrations pending" };
    const { url } = await start(async () => readiness);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: "not ready", reason: "migrations pending" });
    readiness = { ready: true };
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it("serves tRPC with the Authorization header as the caller", async () => {
    const { client } = await start();
    expect(await client.whoami.query()).toBe("Bearer header-token");
  });

  it("answers a rate-limited call with 429 and a Retry-After header in seconds", async () => {
    const { url } = await start();
    const response = await fetch(`${url}/trpc/limited`);
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("2");
    const ok = await fetch(`${url}/trpc/whoami`);
    expect(ok.headers.get("retry-after")).toBeNull();
  });

  it("authenticates event streams with the token connection param", async () => {
    const { client } = await start();
    const first = await new Promise<string>((resolve, reject) => {
      const sub = client.ticks.subscribe(undefined, {
        onData: (data) => {
          sub.unsubscribe();
          resolve(data);
        },
        onError: reject,
      });
    });
    expect(first).toBe("hello Bearer sse-token");
  });

  it("never logs the token an event stream carries in its URL", async () => {
    const logLines: string[] = [];
    const { client } = await start(undefined, logLines);
    await new Promise<void>((resolve) => {
      const sub = client.ticks.subscribe(undefined, {
        onData: () => {
          sub.unsubscribe();
          resolve();
        },
      });
    });
    const logged = logLines.join("");
    expect(logged).toContain("/trpc/ticks?connectionParams=[redacted]");
    expect(logged).not.toContain("sse-token");
  });

  it("exposes the cache figures and request durations on /metrics", async () => {
    const { url } = await start();
    await fetch(`${url}/healthz`);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toContain('tradedesk_cache_requests_total{data_type="balances_summary",result="hit"} 3');
    expect(text).toContain('tradedesk_cache_requests_total{data_type="balances_summary",result="miss"} 1');
    expect(text).toContain("tradedesk_cache_entries 2");
    // A level that goes down again is a gauge, never a counter.
    expect(text).toContain("# TYPE tradedesk_cache_loads_in_flight gauge");
    expect(text).toContain("tradedesk_cache_loads_in_flight 1");
    expect(text).toMatch(
      /tradedesk_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} 1/,
    );
    expect(text).toContain("process_cpu_seconds_total");
  });

  it("on close finishes the request in flight, ends event streams and refuses new requests", async () => {
    const { server, client, test, url } = await start();
    let subscription: { unsubscribe(): void } = { unsubscribe() {} };
    await new Promise<void>((resolve) => {
      subscription = client.ticks.subscribe(undefined, { onData: () => resolve() });
    });
    const inFlight = client.slow.mutate();
    await test.started;

    let closed = false;
    const closing = server.close().then(() => {
      closed = true;
    });
    await test.streamEnded;
    subscription.unsubscribe(); // the client would otherwise reconnect
    // The in-flight request holds the server open until it is answered.
    expect(closed).toBe(false);
    const late = await fetch(`${url}/healthz`).then(
      (response) => response.status,
      () => "refused",
    );
    expect(late === 503 || late === "refused").toBe(true);

    test.release();
    expect(await inFlight).toBe("finished");
    await closing;
    expect(closed).toBe(true);
  });
});
