import type { App } from "@tradedesk/server";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  causes,
  expectRefetchedOnPush,
  holdBalancesPolling,
  isBalancesFetch,
  recordCauses,
} from "./testing/causes.ts";
import { launchChromium, newContext, screenshot, signIn, startServer } from "./testing/harness.ts";

/**
 * The dashboard as a trader uses it, in real Chromium against the real server. Controls are
 * found by role and accessible name, as a screen reader finds them.
 */

let app: App;
let url: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;

const text = (locator: Locator) => locator.textContent().then((t) => t?.trim() ?? "");
const row = (p: Page, name: string) => p.getByRole("row", { name: `${name} position`, exact: true });
const cacheFigure = (p: Page, name: string) =>
  text(p.getByRole("region", { name: "Cache" }).getByLabel(name, { exact: true })).then(Number);

/** Roles a person operates: each needs a name a screen reader announces, told apart from the rest. */
const CONTROL = /^\s*- (button|link|textbox|searchbox|combobox|checkbox|radio|switch|slider|spinbutton)\b/;
async function unnamedOrAmbiguousControls(p: Page): Promise<string[]> {
  const controls = (await p.ariaSnapshot()).split("\n").filter((line) => CONTROL.test(line));
  // `- button "Close BTCUSDT long position"`, `- textbox "Quantity": 2`: the role and its name.
  const names = controls.map(
    (line) => /- (\w+)(?: "((?:[^"\\]|\\.)*)")?/.exec(line)?.slice(1, 3).join(" ") ?? line,
  );
  return names.filter((name, i) => !/^\w+ \S/.test(name) || names.indexOf(name) !== i);
}

beforeAll(async () => {
  ({ app, url } = await startServer(inject("webDistDir")));
  browser = await launchChromium(inject("chromiumPath"));
  context = await newContext(browser, { viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe("dashboard in Chromium", () => {
  it("signs the demo user in and shows their positions, balances and totals", async () => {
    await signIn(page, url);
    await row(page, "BTCUSDT long").waitFor();
    await row(page, "ETHUSDT short").waitFor();
    await row(page, "SOLUSDT long").waitFor();
    expect(await text(page.getByRole("table", { name: "Balances" }))).toContain("USDT");
    expect(await text(page.getByRole("region", { name: "Totals" }))).toContain("Equity");
    expect(await text(page.getByRole("status", { name: "Balances source" }))).toMatch(/^(fresh|cached) · /);
    await screenshot(page, "01-dashboard");
  });

  it("moves the mark price and PnL live, without a reload", async () => {
    // Between the seeded stop-loss (62,000) and take-profit (68,500), so the position stays open.
    await app.simulatedExchange.setMarkPrice("BTCUSDT", "66000");
    const mark = page.getByLabel("BTCUSDT long mark price");
    await expect.poll(() => text(mark)).toBe("66,000.00");
    // 0.5 BTC long from 64,250.50: (66,000 - 64,250.5) x 0.5
    expect(await text(page.getByLabel("BTCUSDT long PnL"))).toBe("+874.75");
  });

  it("shows the server's validation error on the field", async () => {
    const form = page.getByRole("form", { name: "New order" });
    await form.getByLabel("Symbol").fill("BNBUSDT");
    await form.getByLabel("Quantity").fill("-1");
    await form.getByRole("button", { name: "Place order" }).click();
    const quantity = form.getByLabel("Quantity");
    await expect.poll(() => quantity.getAttribute("aria-invalid")).toBe("true");
    const describedBy = await quantity.getAttribute("aria-describedby");
    expect(await text(page.locator(`[id="${describedBy}"]`))).toMatch(/positive decimal number/);
    await screenshot(page, "02-order-form-error");
  });

  it("places a market order and the new position appears without a reload", async () => {
    const form = page.getByRole("form", { name: "New order" });
    await form.getByLabel("Symbol").fill("BNBUSDT");
    await form.getByLabel("Side").selectOption("BUY");
    await form.getByLabel("Quantity").fill("2");
    await form.getByRole("button", { name: "Place order" }).click();
    await row(page, "BNBUSDT long").waitFor();
    expect(await text(form.getByRole("status").filter({ hasText: "Order placed" }))).toContain(
      "BUY 2 BNBUSDT",
    );
    expect(await form.getByLabel("Quantity").getAttribute("aria-invalid")).toBe("false");
    await screenshot(page, "03-order-placed");
  });

  it("moves a stop-loss", async () => {
    await page.getByRole("button", { name: "Edit stop-loss and take-profit of BTCUSDT long" }).click();
    const editor = page.getByRole("form", { name: "Stop-loss and take-profit of BTCUSDT long" });
    await editor.getByLabel("Stop-loss for BTCUSDT long").fill("63000");
    await screenshot(page, "04-stop-loss-editor");
    await editor.getByRole("button", { name: "Save" }).click();
    await editor.waitFor({ state: "detached" });
    await expect.poll(() => text(page.getByLabel("BTCUSDT long stop-loss"))).toBe("63,000.00");
    // The take-profit was not touched.
    expect(await text(page.getByLabel("BTCUSDT long take-profit"))).toBe("68,500.00");
  });

  it("closes a position, after asking", async () => {
    await page.getByRole("button", { name: "Close BNBUSDT long position" }).click();
    await page.getByRole("button", { name: "Confirm: Close BNBUSDT long position" }).click();
    await row(page, "BNBUSDT long").waitFor({ state: "detached" });
    await row(page, "BTCUSDT long").waitFor();
  });

  it("moves the cache panel's numbers when the cache is invalidated", async () => {
    const panel = page.getByRole("region", { name: "Cache" });
    await expect.poll(() => cacheFigure(page, "Misses")).toBeGreaterThan(0);
    const invalidationsBefore = await cacheFigure(page, "Invalidations");
    const missesBefore = await cacheFigure(page, "Misses");
    await panel.getByRole("button", { name: "Invalidate my cache" }).click();
    await panel.getByText(/Entries removed/).waitFor();
    await expect.poll(() => cacheFigure(page, "Invalidations")).toBeGreaterThan(invalidationsBefore);
    // The balances refetch that follows finds the entry gone: a miss.
    await expect.poll(() => cacheFigure(page, "Misses")).toBeGreaterThan(missesBefore);
    await screenshot(page, "05-cache-panel");
  });

  it("gives every control an accessible name of its own", async () => {
    const form = page.getByRole("form", { name: "New order" });
    await form.getByLabel("Order type").selectOption("LIMIT");
    await page.getByRole("button", { name: "Edit stop-loss and take-profit of ETHUSDT short" }).click();
    const editor = page.getByRole("form", { name: "Stop-loss and take-profit of ETHUSDT short" });
    await editor.waitFor();
    expect(await unnamedOrAmbiguousControls(page)).toEqual([]);
    await editor.getByRole("button", { name: "Cancel" }).click();
    await form.getByLabel("Order type").selectOption("MARKET");

    const fresh = await newContext(browser); // another browser profile: the sign-in form
    const signedOut = await fresh.newPage();
    await signedOut.goto(url);
    await signedOut.getByRole("button", { name: "Sign in" }).waitFor();
    expect(await unnamedOrAmbiguousControls(signedOut)).toEqual([]);
    await fresh.close();
  });

  it("shows a second tab the first tab's order by the event stream's push, not by its poll", async () => {
    const second = await context.newPage();
    await recordCauses(second);
    const eventStreams: string[] = [];
    second.on("request", (request) => {
      if (request.url().includes("dashboard.events")) eventStreams.push(request.url());
    });
    await second.goto(url); // signed in already: one session for the browser's tabs
    await row(second, "SOLUSDT long").waitFor();
    // The stream's first word ("subscribed") comes once the server follows this tab's changes.
    await expect.poll(() => causes(second)).toContain("event balances-changed subscribed");
    const poll = await holdBalancesPolling(second);

    const form = page.getByRole("form", { name: "New order" });
    await form.getByLabel("Symbol").fill("XRPUSDT");
    await form.getByLabel("Side").selectOption("SELL");
    await form.getByLabel("Quantity").fill("100");
    await form.getByRole("button", { name: "Place order" }).click();

    // The poll is held: the row came from the refetch that "your data changed" started.
    await row(second, "XRPUSDT short").waitFor();
    await expectRefetchedOnPush(second, poll.since);
    await poll.release();
    // One stream per tab carries both the changes and the prices.
    expect(eventStreams).toHaveLength(1);
    await screenshot(second, "06-second-tab");
    await second.close();
  });

  it("refreshes the trader's own tab after an order through the mutation, without the live stream", async () => {
    const offline = await context.newPage();
    await recordCauses(offline);
    await offline.route(/dashboard\.events/, (route) => route.abort());
    await offline.goto(url);
    await row(offline, "SOLUSDT long").waitFor();
    const poll = await holdBalancesPolling(offline);
    const form = offline.getByRole("form", { name: "New order" });
    await form.getByLabel("Symbol").fill("BNBUSDT");
    await form.getByLabel("Side").selectOption("BUY");
    await form.getByLabel("Quantity").fill("3");
    await form.getByRole("button", { name: "Place order" }).click();
    // No stream, the poll held: only the mutation's invalidation, once it is answered, refetches.
    await row(offline, "BNBUSDT long").waitFor();
    const seen = (await causes(offline, poll.since)).filter(
      (c) => c.startsWith("event ") || c.endsWith(" orders.create") || isBalancesFetch(c),
    );
    expect(seen.slice(0, 2)).toEqual(["sent orders.create", "answered orders.create"]);
    expect(seen[2]).toSatisfy(isBalancesFetch);
    expect(seen.filter((c) => c.startsWith("event "))).toEqual([]);
    await poll.release();
    await offline.close();
  });
});
