import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import type { AppRouter } from "@tradedesk/api";
import type {} from "@tradedesk/db/testing"; // inject("testDatabaseUrl")'s type
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  killLoggedProcesses,
  type LoggedProcess,
  serverUrlOf,
  spawnLogged,
} from "./testing/logged-process.ts";
import { createTestClient } from "./testing/trpc-client.ts";

/**
 * Several instances behind a real load balancer behave as one (issue 13). Three real servers
 * (src/main.ts, child processes on 127.0.0.1) on one PostgreSQL schema and a Redis of the test's
 * own (a redis-server on a free port, so that killing it touches nothing else), behind Debian's
 * HAProxy (round robin, health checks on /readyz). Runs on PostgreSQL only (`pnpm test:pg`, in
 * CI): the embedded database serves one process.
 *
 * Redis is killed for 30 s, as in the issue; the mutation p99 during the outage and the worst
 * staleness seen are printed (README: Running several instances).
 */

const databaseServerUrl = inject("testDatabaseUrl");
const serverDir = fileURLToPath(new URL("..", import.meta.url));
const HAPROXY = "/usr/sbin/haproxy";
const TTL_MS = 3_000;
const BUS_DOWN_TTL_MS = 1_000;
const WEIGHT_BUDGET = 700;
const ROUNDS = 200;
const REDIS_OUTAGE_MS = 30_000;
const JWT_SECRET = "cluster-tests-secret-that-is-long-enough";

const workDir = mkdtempSync(`${tmpdir()}/tradedesk-cluster-`);
const schema = `cluster_${randomBytes(6).toString("hex")}`;

afterAll(async () => {
  killLoggedProcesses();
  rmSync(workDir, { recursive: true, force: true });
  if (databaseServerUrl) {
    const client = new pg.Client({ connectionString: databaseServerUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
  }
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A child of this test, its output followed; servers run in this package's folder. */
function run(command: string, args: string[], env: Record<string, string> = {}): LoggedProcess {
  return spawnLogged(command, args, { cwd: serverDir, env });
}

interface Instance extends LoggedProcess {
  name: string;
  url: string;
}

let redisPort: number;
let redisProcess: LoggedProcess;
const startRedis = async () => {
  redisProcess = run("redis-server", [
    "--port",
    String(redisPort),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
  ]);
  await redisProcess.logged((line) => /Ready to accept connections/.test(line.msg ?? ""), "redis ready");
};

async function startInstance(name: string, extraEnv: Record<string, string> = {}): Promise<Instance> {
  const databaseUrl = new URL(databaseServerUrl);
  databaseUrl.searchParams.set("schema", schema);
  const child = run(process.execPath, ["--import", "tsx", "src/main.ts"], {
    PORT: "0",
    DATABASE_URL: databaseUrl.toString(),
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    SERVE_WEB_APP: "false",
    SIMULATED_LATENCY_MS: "5",
    SIMULATED_PRICE_TICK_MS: "0", // prices hold still: no stop-loss fires
    JWT_SECRET,
    LOG_LEVEL: "debug",
    LOG_FORMAT: "json",
    CACHE_TTL_MS: String(TTL_MS),
    BUS_DOWN_CACHE_TTL_MS: String(BUS_DOWN_TTL_MS),
    CLUSTER_INSTANCES: "3",
    EXCHANGE_WEIGHT_BUDGET_PER_MINUTE: String(WEIGHT_BUDGET),
    // Reconciliation asks for far more than its 60% of the shared budget: the budget must hold.
    RECONCILE_WEIGHT_PER_MINUTE: "3000",
    RECONCILE_ACTIVE_INTERVAL_MS: "1000",
    TRUST_PROXY: "127.0.0.1",
    ...extraEnv,
  });
  return { ...child, name, url: await serverUrlOf(child) };
}

let instances: Instance[];
let lb: string;
let token: string;
let positionId: string;

type Answer<T> = { data: T; servedBy: string; ms: number; status: number };

async function call<T>(
  base: string,
  path: string,
  input?: unknown,
  method: "GET" | "POST" = "POST",
): Promise<Answer<T>> {
  const started = performance.now();
  const url =
    method === "GET"
      ? `${base}/trpc/${path}${input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`}`
      : `${base}/trpc/${path}`;
  const response = await fetch(url, {
    method,
    headers: {
      ...(method === "POST" ? { "content-type": "application/json" } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(method === "POST" ? { body: JSON.stringify(input) } : {}),
    signal: AbortSignal.timeout(20_000),
  });
  const body = (await response.json()) as { result?: { data: T }; error?: { message: string } };
  const ms = performance.now() - started;
  if (!body.result) throw new Error(`${path} via ${base}: ${response.status} ${body.error?.message}`);
  return {
    data: body.result.data,
    servedBy: response.headers.get("x-served-by") ?? base,
    ms,
    status: response.status,
  };
}

type Balances = {
  data: { positions: { id: string; stopLoss: { triggerPrice: string } | null }[] };
  fromCache: boolean;
  /** When the instance loaded what it answers (its cache's stamp). */
  asOf: string;
};
const readBalances = (base: string) => call<Balances>(base, "dashboard.balances", undefined, "GET");
const stopLossOf = (read: Balances) =>
  read.data.positions.find((p) => p.id === positionId)?.stopLoss?.triggerPrice;
const modify = (base: string, stopLoss: string) =>
  call(base, "positions.modifySlTp", { positionId, stopLoss });

/** Integer-valued stop-losses below BNB's price, a new one each time. */
let stopLossCounter = 300;
const nextStopLoss = () => `${++stopLossCounter}`;

async function metric(instance: Instance, name: string): Promise<number> {
  const text = await (await fetch(`${instance.url}/metrics`)).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith(name) && !line.startsWith("#"))
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

describe.skipIf(!databaseServerUrl)("several instances behind HAProxy", () => {
  beforeAll(async () => {
    redisPort = await freePort();
    await startRedis();
    // The first instance migrates and seeds the fresh schema; then the others join.
    const first = await startInstance("s1", { SEED_DEMO_DATA: "true" });
    const others = await Promise.all([startInstance("s2"), startInstance("s3")]);
    instances = [first, ...others];
    await Promise.all(
      instances.map((i) => i.logged((line) => line.msg === "start-up reconciliation finished", "reconciled")),
    );

    const lbPort = await freePort();
    const config = `${workDir}/haproxy.cfg`;
    writeFileSync(
      config,
      [
        "global",
        "  maxconn 2000",
        "defaults",
        "  mode http",
        "  timeout connect 2s",
        "  timeout client 1h",
        "  timeout server 1h",
        "  timeout tunnel 1h",
        "  option redispatch",
        "  retries 3",
        "frontend tradedesk",
        `  bind 127.0.0.1:${lbPort}`,
        "  default_backend servers",
        "backend servers",
        "  balance roundrobin",
        "  option httpchk GET /readyz",
        "  http-check expect status 200",
        "  default-server inter 300ms fall 2 rise 2",
        "  http-response set-header X-Served-By %[srv_name]",
        ...instances.map((i) => `  server ${i.name} ${new URL(i.url).host} check`),
        "",
      ].join("\n"),
    );
    run(HAPROXY, ["-f", config, "-db"]);
    lb = `http://127.0.0.1:${lbPort}`;
    // Every server up on the balancer: three answers from three servers.
    for (let attempt = 0; ; attempt++) {
      const seen = new Set<string>();
      try {
        for (let i = 0; i < 6; i++) {
          const response = await fetch(`${lb}/readyz`);
          if (response.ok) seen.add(response.headers.get("x-served-by") ?? "");
        }
      } catch {}
      if (seen.size === 3) break;
      if (attempt > 100) throw new Error("HAProxy never saw the three servers ready");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const login = await call<{ token: string }>(lb, "auth.login", {
      email: "demo@example.com",
      password: "tradedesk-demo",
    });
    token = login.data.token;
    const accounts = await call<{ id: string; exchange: string }[]>(lb, "accounts.list", undefined, "GET");
    const accountId = accounts.data.find((a) => a.exchange === "SIMULATED")!.id;
    const opened = await call<{ positionId?: string }>(lb, "orders.create", {
      accountId,
      clientOrderId: randomUUID(),
      symbol: "BNBUSDT",
      side: "BUY",
      type: "MARKET",
      quantity: "0.1",
      stopLoss: nextStopLoss(),
    });
    expect(opened.status).toBe(200);
    const read = await readBalances(lb);
    const position = read.data.data.positions.find(
      (p) => p.stopLoss?.triggerPrice === String(stopLossCounter),
    );
    positionId = position!.id;
  }, 120_000);

  it("reads its own writes through different instances (0 violations in 200 rounds)", async () => {
    let violations = 0;
    const latencies: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const stopLoss = nextStopLoss();
      const written = await modify(lb, stopLoss);
      latencies.push(written.ms);
      // The next answer from another server than the one that wrote.
      let read: Answer<Balances>;
      let tries = 0;
      do read = await readBalances(lb);
      while (read.servedBy === written.servedBy && ++tries < 6);
      expect(read.servedBy).not.toBe(written.servedBy);
      if (stopLossOf(read.data) !== stopLoss) violations++;
    }
    expect(violations).toBe(0);
  }, 150_000);

  it("runs one user's concurrent mutations through two instances one after the other", async () => {
    const [a, b] = instances as [Instance, Instance];
    let contended = false;
    for (let pair = 0; pair < 10 && !contended; pair++) {
      const before = instances.map((i) => i.logs.length);
      await Promise.all([modify(a.url, nextStopLoss()), modify(b.url, nextStopLoss())]);
      contended = instances.some((i, index) =>
        i.logs.slice(before[index]).some((l) => l.msg === "user lock taken" && Number(l.waitedMs) > 0),
      );
    }
    expect(contended).toBe(true);
    // Every hold of each user's lock on every instance so far (these pairs, the 200 rounds, the
    // reconciliation runs): no two holds of one user overlap.
    const holdsByUser = new Map<string, { from: number; to: number; by: string }[]>();
    for (const instance of instances) {
      const takenAt = new Map<string, number>();
      for (const line of instance.logs) {
        if (line.component !== "user-lock") continue;
        const userId = String(line.userId);
        if (line.event === "taken") takenAt.set(userId, Number(line.at));
        if (line.event === "released" && takenAt.has(userId)) {
          const holds = holdsByUser.get(userId) ?? [];
          holds.push({ from: takenAt.get(userId)!, to: Number(line.at), by: instance.name });
          holdsByUser.set(userId, holds);
          takenAt.delete(userId);
        }
      }
    }
    const busiest = [...holdsByUser.values()].sort((x, y) => y.length - x.length)[0]!;
    expect(new Set(busiest.map((h) => h.by)).size).toBe(3);
    for (const holds of holdsByUser.values()) {
      holds.sort((x, y) => x.from - y.from);
      for (let i = 1; i < holds.length; i++) {
        const previous = holds[i - 1]!;
        const current = holds[i]!;
        if (current.from < previous.to)
          throw new Error(`overlapping holds: ${JSON.stringify([previous, current])}`);
      }
    }
  });

  it("keeps the cluster's exchange weight within one budget (shared through Redis)", async () => {
    const redis = new Redis(`redis://127.0.0.1:${redisPort}`);
    try {
      const spent = (
        await Promise.all(instances.map((i) => metric(i, "tradedesk_exchange_weight_spent_total")))
      ).reduce((sum, value) => sum + value, 0);
      const keys = await redis.keys("tradedesk:simulated:weight:*");
      const perMinute = await Promise.all(keys.map(async (key) => Number(await redis.get(key))));
      const refused = (
        await Promise.all(
          instances.map(async (i) =>
            (
              await (await fetch(`${i.url}/metrics`)).text()
            )
              .split("\n")
              .filter(
                (line) =>
                  line.startsWith("tradedesk_exchange_requests_total") &&
                  line.includes('outcome="rate_limited"'),
              )
              .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0),
          ),
        )
      ).reduce((sum, value) => sum + value, 0);
      console.info(
        `weight: spent ${spent}, per minute ${perMinute.join(", ")} (budget ${WEIGHT_BUDGET}), ${refused} calls refused`,
      );
      expect(spent).toBeGreaterThan(0);
      for (const used of perMinute) expect(used).toBeLessThanOrEqual(WEIGHT_BUDGET);
      // Everything spent was counted in the shared minutes (counted before it went out).
      expect(perMinute.reduce((sum, used) => sum + used, 0)).toBeGreaterThanOrEqual(spent);
    } finally {
      redis.disconnect();
    }
  });

  it("with Redis killed: mutations answer without it, no answer older than the short TTL, caches dropped when it is back", async () => {
    // Caches warm on every instance.
    await Promise.all(instances.map((i) => readBalances(i.url)));
    const logsBefore = instances.map((i) => i.logs.length);
    redisProcess.child.kill("SIGKILL");
    await redisProcess.exited;
    const outageStarted = performance.now();
    await Promise.all(
      instances.map((i, n) =>
        i.logged((l) => /invalidation bus down/.test(l.msg ?? ""), "bus down", logsBefore[n]),
      ),
    );
    for (const instance of instances) expect(await metric(instance, "tradedesk_invalidation_bus_up")).toBe(0);
    const readyz = (await (await fetch(`${instances[0]!.url}/readyz`)).json()) as {
      checks?: { bus?: string };
    };
    expect(readyz.checks?.bus).toBe("down");

    const mutationMs: number[] = [];
    let staleness = 0;
    // Loaded at most the short TTL before it was asked for: the instance's own stamps, so no
    // machine is too slow for it (a cache hit is judged at or after the request was sent).
    const readNoOlderThanShortTtl = async (base: string) => {
      const askedAt = Date.now();
      const read = await readBalances(base);
      expect(askedAt - Date.parse(read.data.asOf)).toBeLessThanOrEqual(BUS_DOWN_TTL_MS);
      return read;
    };
    while (performance.now() - outageStarted < REDIS_OUTAGE_MS) {
      await Promise.all(instances.map((i) => readNoOlderThanShortTtl(i.url)));
      const stopLoss = nextStopLoss();
      const written = await modify(lb, stopLoss);
      expect(written.status).toBe(200);
      mutationMs.push(written.ms);
      const answeredAt = performance.now();
      // How long each other instance keeps showing the previous value.
      await Promise.all(
        instances
          .filter((i) => i.name !== written.servedBy)
          .map(async (instance) => {
            for (let attempt = 0; attempt < 200; attempt++) {
              const read = await readNoOlderThanShortTtl(instance.url);
              if (stopLossOf(read.data) === stopLoss) {
                staleness = Math.max(staleness, performance.now() - answeredAt);
                return;
              }
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
            throw new Error(`${instance.name} still stale 10 s after the write`);
          }),
      );
    }
    mutationMs.sort((x, y) => x - y);
    const p99 = mutationMs[Math.min(mutationMs.length - 1, Math.ceil(mutationMs.length * 0.99) - 1)]!;
    console.info(
      `Redis outage: ${mutationMs.length} mutations, p50 ${mutationMs[Math.floor(mutationMs.length / 2)]!.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${mutationMs.at(-1)!.toFixed(0)} ms; staleness at most ${staleness.toFixed(0)} ms`,
    );
    expect(mutationMs.length).toBeGreaterThan(5);
    // Every mutation above was answered while Redis was dead (it comes back only below): none
    // waited for it. The times printed are a measurement, not asserted (issue 18).
    for (const instance of instances) expect(await metric(instance, "tradedesk_invalidation_bus_up")).toBe(0);

    await startRedis();
    await Promise.all(
      instances.map((i, n) =>
        i.logged(
          (l) => /invalidation bus up again: cache dropped/.test(l.msg ?? ""),
          "bus up",
          logsBefore[n],
        ),
      ),
    );
    // One log line per change of state, not one per failed publish or reconnect attempt.
    instances.forEach((instance, n) => {
      const changes = instance.logs
        .slice(logsBefore[n])
        .filter((l) => /invalidation bus (down|up again)/.test(l.msg ?? ""));
      expect(changes.map((l) => l.msg)).toEqual([
        expect.stringMatching(/down/),
        expect.stringMatching(/up again/),
      ]);
    });
    for (const instance of instances) {
      const up = await metric(instance, "tradedesk_invalidation_bus_up");
      expect(up).toBe(1);
    }
    // The bus carries invalidations again: a write through one is read through the others.
    const stopLoss = nextStopLoss();
    const written = await modify(instances[0]!.url, stopLoss);
    expect(written.status).toBe(200);
    for (const instance of instances.slice(1))
      expect(stopLossOf((await readBalances(instance.url)).data)).toBe(stopLoss);
  }, 120_000);

  it("one instance killed: clients carry on and event streams reconnect to another", async () => {
    const client = createTestClient<AppRouter>(lb, { token });
    const events: { type: string }[] = [];
    const subscription = client.dashboard.events.subscribe(undefined, {
      onData: ({ data }) => events.push(data),
    });
    try {
      // The stream is open on one instance: that one is killed.
      let victim: Instance | undefined;
      for (let attempt = 0; attempt < 100 && !victim; attempt++) {
        for (const instance of instances) {
          if ((await metric(instance, "tradedesk_event_streams_open")) > 0) victim = instance;
        }
        if (!victim) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(victim).toBeDefined();
      victim!.child.kill("SIGKILL");
      await victim!.exited;

      // Clients carry on: requests through the balancer are answered (HAProxy re-dispatches a
      // request whose connection to the dead server fails).
      let failures = 0;
      for (let i = 0; i < 20; i++) {
        try {
          await readBalances(lb);
        } catch {
          failures++;
        }
      }
      expect(failures).toBe(0);
      // The stream reconnected to a live instance and hears a change made through the balancer.
      const survivors = instances.filter((i) => i !== victim);
      for (let attempt = 0; attempt < 200; attempt++) {
        const open = await Promise.all(survivors.map((i) => metric(i, "tradedesk_event_streams_open")));
        if (open.some((n) => n > 0)) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const seen = events.length;
      await modify(lb, nextStopLoss());
      for (
        let attempt = 0;
        attempt < 200 && !events.slice(seen).some((e) => e.type === "balances-changed");
        attempt++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(events.slice(seen).some((e) => e.type === "balances-changed")).toBe(true);
    } finally {
      subscription.unsubscribe();
    }
  }, 60_000);
});
