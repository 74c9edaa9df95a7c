import type { AppRouter } from "@tradedesk/api";
import { SAFETY_NET_MS } from "@tradedesk/core/testing";
import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { App } from "../src/app.ts";
import { formatBalancesReport } from "../src/scripts/balances-report.ts";
import { callerForEmail, UnknownUserError } from "../src/scripts/user-caller.ts";
import { startTestApp } from "./testing/test-app.ts";
import { createTestClient } from "./testing/trpc-client.ts";

/** The whole server on 127.0.0.1, driven by a real tRPC client over HTTP and SSE. */

let app: App;
let url: string;

beforeAll(async () => {
  ({ app, url } = await startTestApp({ CACHE_TTL_MS: "60000" }));
});

afterAll(async () => {
  await app?.close();
});

function client(token?: string) {
  return createTestClient<AppRouter>(url, token ? { authorization: `Bearer ${token}`, token } : {});
}

async function signIn(email = "demo@example.com") {
  const { token } = await client().auth.login.mutate({ email, password: "tradedesk-demo" });
  return client(token);
}

async function errorOf(promise: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCClientError) return error as TRPCClientError<AppRouter>;
    throw error;
  }
  throw new Error("expected a tRPC error");
}

describe("tradedesk server", () => {
  it("is healthy and ready once migrated", async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: "ready",
      checks: { database: "up", bus: "not configured" },
    });
  });

  it("signs the seeded demo user in, and refuses a wrong password", async () => {
    const wrong = await errorOf(client().auth.login.mutate({ email: "demo@example.com", password: "nope" }));
    expect(wrong.data?.code).toBe("UNAUTHORIZED");
    const me = await (await signIn()).auth.me.query();
    expect(me.email).toBe("demo@example.com");
  });

  it("answers balances only to a signed-in user, from the cache on the second read", async () => {
    expect((await errorOf(client().dashboard.balances.query())).data?.code).toBe("UNAUTHORIZED");
    const trader = await signIn("ops@example.com");
    const first = await trader.dashboard.balances.query();
    const second = await trader.dashboard.balances.query();
    expect(first.fromCache).toBe(false);
    expect(second.fromCache).toBe(true);
    expect(second.data.positions.map((p) => p.symbol).sort()).toEqual(["ETHUSDT", "SOLUSDT"]);
    expect(typeof second.data.totals.equity).toBe("string");
  });

  it("exposes the cache's hits and misses on /metrics", async () => {
    const trader = await signIn();
    await trader.dashboard.balances.query();
    await trader.dashboard.balances.query();
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const requests = (result: string) =>
      Number(
        new RegExp(
          `tradedesk_cache_requests_total\\{data_type="balances_summary",result="${result}"\\} (\\d+)`,
        ).exec(metrics)?.[1],
      );
    expect(requests("hit")).toBeGreaterThanOrEqual(1);
    expect(requests("miss")).toBeGreaterThanOrEqual(1);
    expect(metrics).toMatch(/tradedesk_cache_entries \d+/);
    // The balances read went to the exchange through the measuring proxy.
    expect(metrics).toMatch(
      /tradedesk_exchange_requests_total\{exchange="simulated",operation="getAccountSnapshot",outcome="ok"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /tradedesk_trpc_mutation_duration_seconds_count\{procedure="auth.login",outcome="ok"\} [1-9]/,
    );
    expect(metrics).toContain('route="/trpc/:path"');
  });

  it("rejects a bad order with the field's zod issue and writes nothing", async () => {
    const trader = await signIn();
    const before = await trader.dashboard.balances.query();
    const accountId = before.data.accounts[0]!.id;
    const error = await errorOf(
      trader.orders.create.mutate({
        accountId,
        symbol: "BNBUSDT",
        side: "BUY",
        type: "MARKET",
        quantity: "-1",
      }),
    );
    expect(error.data?.code).toBe("BAD_REQUEST");
    expect(error.data?.zodError?.fieldErrors.quantity?.[0]).toMatch(/positive decimal/);
    const after = await trader.dashboard.balances.query();
    expect(after.data.positions).toHaveLength(before.data.positions.length);
  });

  it("pushes balances-changed to the user's event stream when they trade", async () => {
    const trader = await signIn();
    const { token } = await client().auth.login.mutate({
      email: "demo@example.com",
      password: "tradedesk-demo",
    });
    const events: string[] = [];
    let changed: () => void = () => {};
    const balancesChanged = new Promise<void>((resolve) => {
      changed = resolve;
    });
    const subscription = client(token).dashboard.events.subscribe(undefined, {
      onData: ({ id, data }) => {
        expect(id).toMatch(/^\d+$/); // tracked: the client can resume from it
        events.push(data.type);
        if (data.type === "balances-changed") changed();
      },
    });
    try {
      // Mark prices flow only once the stream follows the user: then it hears their changes too.
      let price = 65_000;
      // (The desk batches prices once a second; the poll's limit is only a safety net.)
      await expect
        .poll(
          async () => {
            price += 1;
            await app.simulatedExchange.setMarkPrice("BTCUSDT", String(price));
            return events.includes("mark-prices");
          },
          { timeout: SAFETY_NET_MS, interval: 100 },
        )
        .toBe(true);

      const accountId = (await trader.accounts.list.query())[0]!.id;
      await trader.orders.create.mutate({
        accountId,
        symbol: "BNBUSDT",
        side: "BUY",
        type: "MARKET",
        quantity: "1",
      });
      await balancesChanged;
      const after = await trader.dashboard.balances.query();
      expect(after.fromCache).toBe(false); // the order invalidated the cached summary
      expect(after.data.positions.some((p) => p.symbol === "BNBUSDT")).toBe(true);
    } finally {
      subscription.unsubscribe();
    }
  });
});

describe("event stream lifetime", () => {
  it("drops the stream's listeners on the server when the client goes away", async () => {
    const { token } = await client().auth.login.mutate({
      email: "demo@example.com",
      password: "tradedesk-demo",
    });
    // Counts the listeners the stream holds on the desk: each one taken must be given back.
    const held = { changes: 0, prices: 0 };
    const onUserDataChanged = app.desk.onUserDataChanged.bind(app.desk);
    const watchMarkPrices = app.desk.watchMarkPrices.bind(app.desk);
    const spies = [
      vi.spyOn(app.desk, "onUserDataChanged").mockImplementation((listener) => {
        const stop = onUserDataChanged(listener);
        held.changes += 1;
        return () => {
          held.changes -= 1;
          stop();
        };
      }),
      vi.spyOn(app.desk, "watchMarkPrices").mockImplementation(async (userId, listener) => {
        const watch = await watchMarkPrices(userId, listener);
        held.prices += 1;
        return Object.assign(() => {
          held.prices -= 1;
          watch();
        }, watch);
      }),
    ];
    try {
      let firstEvent: () => void = () => {};
      const subscribed = new Promise<void>((resolve) => {
        firstEvent = resolve;
      });
      const subscription = client(token).dashboard.events.subscribe(undefined, {
        onData: () => firstEvent(),
      });
      await subscribed;
      expect(held).toEqual({ changes: 1, prices: 1 });
      subscription.unsubscribe();
      await expect.poll(() => held, { timeout: SAFETY_NET_MS }).toEqual({ changes: 0, prices: 0 });
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});

describe("internal scripts (in-process caller, no HTTP)", () => {
  it("report the user's balances as a table marked fresh or cached", async () => {
    const caller = await callerForEmail(app, "ops@example.com");
    const report = formatBalancesReport("ops@example.com", await caller.dashboard.balances());
    expect(report).toMatch(/^Balances of ops@example\.com: (FRESH|CACHED)/);
    expect(report).toMatch(/ETHUSDT\s+LONG\s+2\s+3380\.1/);
    const again = formatBalancesReport("ops@example.com", await caller.dashboard.balances());
    expect(again).toMatch(/: CACHED \(loaded \d+ ms ago\)/);
  });

  it("invalidate only that user's cache entries", async () => {
    const ops = await callerForEmail(app, "ops@example.com");
    const demo = await callerForEmail(app, "demo@example.com");
    await ops.dashboard.balances();
    await demo.dashboard.balances();
    expect(await ops.cache.invalidate({})).toEqual({ invalidated: 1 });
    expect((await ops.dashboard.balances()).fromCache).toBe(false);
    expect((await demo.dashboard.balances()).fromCache).toBe(true);
  });

  it("find the user by email as sign-in does: case-insensitive, wildcards literal", async () => {
    const shouted = await callerForEmail(app, " OPS@Example.com ");
    expect((await shouted.auth.me()).email).toBe("ops@example.com");
    await expect(callerForEmail(app, "ops@example.co_")).rejects.toThrow(UnknownUserError);
  });

  it("name an unknown email", async () => {
    await expect(callerForEmail(app, "nobody@example.com")).rejects.toThrow(UnknownUserError);
  });
});

// Last: they take the database away from the app above.
describe("readiness", () => {
  it("reports not ready, naming the migration, while one is pending", async () => {
    const history = '"_prisma_migrations"';
    await app.db.prisma.$executeRawUnsafe(`UPDATE ${history} SET migration_name = migration_name || '.gone'`);
    try {
      const response = await fetch(`${url}/readyz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({
        status: "not ready",
        reason: expect.stringMatching(/^pending migrations: \d+_init(, \d+_\w+)*$/),
        checks: { database: "up", bus: "not configured" },
      });
    } finally {
      await app.db.prisma.$executeRawUnsafe(
        `UPDATE ${history} SET migration_name = left(migration_name, -length('.gone'))`,
      );
    }
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it("reports not ready, with the reason, once the database is unreachable", async () => {
    await app.db.close();
    const response = await fetch(`${url}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: "not ready", reason: expect.any(String) });
    expect((await fetch(`${url}/healthz`)).status).toBe(200); // the process itself still answers
  });
});
