import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import type { AppRouter } from "@tradedesk/api";
import { afterAll, expect, it } from "vitest";
import { type App, createApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { listenForBalancesChanged } from "./testing/balances-changed.ts";
import { createTestClient } from "./testing/trpc-client.ts";

/**
 * A server restart (a deploy, `pnpm dev` reloading) under an open dashboard: the event stream
 * reconnects by itself to the new process and hears the user's changes again. The database is
 * on disk so the new process knows the same users.
 */

const dataDir = mkdtempSync(`${tmpdir()}/tradedesk-restart-`);
const apps: App[] = [];

function start(port: number) {
  return createApp(
    loadConfig({
      PORT: String(port),
      DATABASE_URL: `file:${dataDir}/pglite`,
      SIMULATED_LATENCY_MS: "0",
      SIMULATED_PRICE_TICK_MS: "0",
      JWT_SECRET: "restart-tests-secret-that-is-long-enough",
      LOG_LEVEL: "silent",
    }),
  ).then((app) => {
    apps.push(app);
    return app;
  });
}

afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  rmSync(dataDir, { recursive: true, force: true });
});

it("reconnects the event stream to the restarted server", async () => {
  const first = await start(0);
  const url = await first.listen();
  const port = Number(new URL(url).port);
  const { token } = await createTestClient<AppRouter>(url).auth.login.mutate({
    email: "demo@example.com",
    password: "tradedesk-demo",
  });
  const trader = createTestClient<AppRouter>(url, { authorization: `Bearer ${token}`, token });

  const { hear, unsubscribe } = listenForBalancesChanged(trader);
  try {
    await hear("subscribed");
    await first.close();
    await expect(first.db.prisma.user.count()).rejects.toThrow(); // closed with the app

    const second = await start(port);
    await second.listen();
    // The stream is back, on the new process: it says so first...
    await hear("subscribed");
    // ...and carries the user's changes from there on.
    const accountId = (await trader.accounts.list.query())[0]!.id;
    await trader.orders.create.mutate({
      accountId,
      symbol: "BNBUSDT",
      side: "BUY",
      type: "MARKET",
      quantity: "1",
    });
    await hear("all data changed");
  } finally {
    unsubscribe();
  }
}, 90_000);
