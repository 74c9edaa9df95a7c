import { randomBytes } from "node:crypto";
import net from "node:net";
import type { AppRouter } from "@tradedesk/api";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type App, createApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { createTestClient } from "./testing/trpc-client.ts";

/**
 * Degrade, don't fail: a real server on PostgreSQL (the machine's, on a schema of its own) through
 * a TCP proxy in this process, which the test cuts (every connection dropped, new ones refused)
 * and restores. The shared PostgreSQL itself is never touched. Skipped when there is none on 5432.
 */

const POSTGRES = "postgres://postgres@127.0.0.1:5432/test";
const schema = `outage_${randomBytes(6).toString("hex")}`;
const probe = new pg.Client({ connectionString: POSTGRES, connectionTimeoutMillis: 3_000 });
const postgresUp = await probe.connect().then(
  () => probe.end().then(() => true),
  () => false,
);

/** A TCP proxy to 127.0.0.1:5432 that can be cut (connections destroyed, port closed) and restored. */
function createCuttableProxy() {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  };
  const open = () =>
    new Promise<number>((resolve, reject) => {
      const s = net.createServer((client) => {
        const upstream = net.connect(5432, "127.0.0.1");
        track(client);
        track(upstream);
        client.pipe(upstream);
        upstream.pipe(client);
        client.on("close", () => upstream.destroy());
        upstream.on("close", () => client.destroy());
      });
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        server = s;
        port = (s.address() as net.AddressInfo).port;
        resolve(port);
      });
    });
  const cut = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });
  return { open, cut };
}

const proxy = createCuttableProxy();
let app: App | undefined;

beforeAll(async () => {
  if (!postgresUp) return;
  const port = await proxy.open();
  app = await createApp(
    loadConfig({
      PORT: "0",
      DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/test?schema=${schema}`,
      SEED_DEMO_DATA: "true",
      SIMULATED_LATENCY_MS: "0",
      SIMULATED_PRICE_TICK_MS: "0",
      // Every read after the cut is past the TTL: served stale from the last value, if at all.
      CACHE_TTL_MS: "1",
      CACHE_STALE_IF_ERROR_MS: "600000",
      // No scheduled reconciliation (it invalidates) between the last good read and the cut.
      RECONCILE_ACTIVE_INTERVAL_MS: "3600000",
      RECONCILE_IDLE_INTERVAL_MS: "3600000",
      JWT_SECRET: "outage-tests-secret-that-is-long-enough",
      LOG_LEVEL: "silent",
    }),
  );
}, 60_000);

afterAll(async () => {
  await app?.close();
  await proxy.cut();
  if (!postgresUp) return;
  const client = new pg.Client({ connectionString: POSTGRES });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
}, 60_000);

it.skipIf(!postgresUp)(
  "serves reads stale and answers mutations 503 with Retry-After while the database is away",
  async () => {
    if (!app) throw new Error("no app");
    const url = await app.listen();
    await app.reconciled;
    const { token } = await createTestClient<AppRouter>(url).auth.login.mutate({
      email: "demo@example.com",
      password: "tradedesk-demo",
    });
    const authorization = `Bearer ${token}`;
    const trader = createTestClient<AppRouter>(url, { authorization });
    const accountId = (await trader.accounts.list.query())[0]!.id;
    const before = await trader.dashboard.balances.query();
    expect(before.stale).toBe(false);
    const order = () =>
      fetch(`${url}/trpc/orders.create`, {
        method: "POST",
        headers: { authorization, "content-type": "application/json" },
        body: JSON.stringify({
          accountId,
          symbol: "BNBUSDT",
          side: "BUY",
          type: "MARKET",
          quantity: "1",
        }),
      });
    const lastGood = await trader.dashboard.balances.query();

    await proxy.cut();

    // A read past the TTL: the last value, marked stale with its age.
    const during = await trader.dashboard.balances.query();
    expect(during.stale).toBe(true);
    expect(during.ageMs).toBeGreaterThanOrEqual(0);
    expect(during.asOf).toBe(lastGood.asOf);
    expect(during.data.accounts).toEqual(lastGood.data.accounts);

    // A mutation: 503, Retry-After, a message a trader understands; nothing was changed.
    const refused = await order();
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    const body = (await refused.json()) as { error: { message: string; data: { code: string } } };
    expect(body.error.data.code).toBe("SERVICE_UNAVAILABLE");
    expect(body.error.message).toBe(
      "the desk's database is unreachable; nothing was changed, try again in a few seconds",
    );

    // /readyz says what is down.
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    const readiness = (await ready.json()) as { checks?: Record<string, string>; reason?: string };
    expect(readiness.checks?.database).toBe("down");

    await proxy.open();

    // Back: ready again (the pools reconnect on their next query), fresh reads, mutations go through.
    let readyAgain = 0;
    for (let attempt = 0; attempt < 50 && readyAgain !== 200; attempt++) {
      readyAgain = (await fetch(`${url}/readyz`)).status;
    }
    expect(readyAgain).toBe(200);
    let afterRead = await trader.dashboard.balances.query();
    for (let attempt = 0; attempt < 50 && afterRead.stale; attempt++) {
      afterRead = await trader.dashboard.balances.query();
    }
    expect(afterRead.stale).toBe(false);
    expect((await order()).status).toBe(200);
  },
  120_000,
);
