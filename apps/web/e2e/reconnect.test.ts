import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import type { App } from "@tradedesk/server";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { causes, expectRefetchedOnPush, holdBalancesPolling, recordCauses } from "./testing/causes.ts";
import { DEMO, launchChromium, newContext, screenshot, signIn, startServer } from "./testing/harness.ts";

/**
 * A deploy under an open dashboard: the server goes away, a proxy answers 503 for a while, a new
 * server comes up on the same port. The tab's event stream must come back by itself and carry
 * the next change (the tab refetches on its "your data changed", not on the 5 s poll). The database
 * is on disk so the new server knows the same users.
 */

const dataDir = mkdtempSync(`${tmpdir()}/tradedesk-e2e-restart-`);
const databaseUrl = `file:${dataDir}/pglite`;
const apps: App[] = [];
let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium(inject("chromiumPath"));
  page = await (await newContext(browser, { viewport: { width: 1440, height: 900 } })).newPage();
  await recordCauses(page);
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(apps.map((app) => app.close()));
  rmSync(dataDir, { recursive: true, force: true });
});

/** What a proxy or load balancer answers while no server is behind it. */
function unavailable(port: number): Promise<Server> {
  const server = createServer((_request, response) => {
    response.writeHead(503, { "content-type": "application/json", connection: "close" });
    response.end('{"error":{"message":"unavailable","code":-32603}}');
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

/** The HTTP statuses the tab's event stream was answered with, in order. */
function eventStreamStatuses(p: Page): number[] {
  const statuses: number[] = [];
  p.on("response", (response) => {
    if (response.url().includes("dashboard.events")) statuses.push(response.status());
  });
  return statuses;
}

it("reconnects the live stream after a server restart and hears the next change through it", async () => {
  const first = await startServer(inject("webDistDir"), { databaseUrl });
  apps.push(first.app);
  const port = Number(new URL(first.url).port);
  await signIn(page, first.url);
  await page.getByRole("row", { name: "BTCUSDT long position", exact: true }).waitFor();
  const streams = eventStreamStatuses(page);

  // The stream gives up on the 503: only starting it again brings it back.
  await first.app.close();
  const stub = await unavailable(port);
  await expect.poll(() => streams).toContain(503);
  // Nothing on screen can be fresh now: the badges say offline, figures are greyed, a banner says why.
  const banner = page.getByRole("alert").filter({ hasText: "The server is not answering" });
  await banner.waitFor();
  expect(await page.getByRole("status", { name: "Balances source" }).textContent()).toMatch(/^offline · /);
  expect(await page.getByRole("status", { name: "Positions source" }).textContent()).toMatch(/^offline · /);
  expect(await page.locator("main.is-stale").count()).toBe(1);
  expect(await page.getByRole("status", { name: "Live updates" }).textContent()).not.toBe("live");
  await screenshot(page, "desktop-server-away");
  await new Promise<void>((resolve, reject) => stub.close((error) => (error ? reject(error) : resolve())));

  const heardBefore = (await causes(page)).length;
  const second = await startServer(inject("webDistDir"), { databaseUrl, port });
  apps.push(second.app);
  await expect.poll(() => streams.at(-1)).toBe(200);
  await expect.poll(() => page.getByRole("status", { name: "Live updates" }).textContent()).toBe("live");
  // Back: the next read succeeds, the error is gone and the figures are fresh (or cached) again.
  await banner.waitFor({ state: "detached" });
  await expect
    .poll(() => page.getByRole("status", { name: "Balances source" }).textContent())
    .toMatch(/^(fresh|cached) · /);
  expect(await page.locator("main.is-stale").count()).toBe(0);

  // The new server follows this tab's changes once the new stream says "subscribed".
  await expect.poll(() => causes(page, heardBefore)).toContain("event balances-changed subscribed");

  // With the poll held, only the new stream's "your data changed" can show the next order.
  const poll = await holdBalancesPolling(page);
  await placeOrder(second.url, { symbol: "XRPUSDT", side: "SELL", type: "MARKET", quantity: "50" });
  await page.getByRole("row", { name: "XRPUSDT short position", exact: true }).waitFor();
  await expectRefetchedOnPush(page, poll.since);
  await poll.release();
  await screenshot(page, "07-after-restart");
});

/** The order another client (a script, another device) places, over the API's plain HTTP. */
async function placeOrder(url: string, order: Record<string, string>): Promise<void> {
  const call = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${url}/trpc/${path}`, init);
    const body = (await response.json()) as { result?: { data: unknown }; error?: unknown };
    if (!response.ok) throw new Error(`${path}: ${JSON.stringify(body.error)}`);
    return body.result?.data;
  };
  const json = { "content-type": "application/json" };
  const { token } = (await call("auth.login", {
    method: "POST",
    headers: json,
    body: JSON.stringify(DEMO),
  })) as {
    token: string;
  };
  const authorization = `Bearer ${token}`;
  const accounts = (await call("accounts.list", { headers: { authorization } })) as { id: string }[];
  await call("orders.create", {
    method: "POST",
    headers: { ...json, authorization },
    body: JSON.stringify({ accountId: accounts[0]?.id, ...order }),
  });
}
