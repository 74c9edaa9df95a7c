import { recordClosedPosition } from "@tradedesk/core/testing";
import type { App } from "@tradedesk/server";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  DEMO,
  launchChromium,
  newContext,
  SCREENSHOT_DIR,
  screenshot,
  signIn,
  startServer,
} from "./testing/harness.ts";

/**
 * A trader's day on the dashboard (issue 15), at 1440x900 and on a 390x844 phone: open orders
 * and cancelling them, history pages, closed positions with realized PnL, risk per position, the
 * live chart, the order value preview, one message per quantity mistake, one session for every
 * tab. Real Chromium, real server; every screen is screenshot at both sizes.
 */

let app: App;
let url: string;
let browser: Browser;
let desktop: BrowserContext;
let page: Page;
const cspViolations: string[] = [];

const text = (locator: Locator) => locator.textContent().then((t) => t?.trim() ?? "");
const row = (p: Page, name: string) => p.getByRole("row", { name: `${name} position`, exact: true });

function watchCsp(p: Page) {
  p.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
}

/** Another client's calls over plain HTTP (a script): for history enough to page through. */
async function api(path: string, token: string, input?: unknown) {
  const response = await fetch(`${url}/trpc/${path}`, {
    method: input === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    ...(input === undefined ? {} : { body: JSON.stringify(input) }),
  });
  const body = (await response.json()) as { result?: { data: unknown }; error?: unknown };
  if (!response.ok) throw new Error(`${path}: ${JSON.stringify(body.error)}`);
  return body.result?.data;
}

beforeAll(async () => {
  ({ app, url } = await startServer(inject("webDistDir")));
  browser = await launchChromium(inject("chromiumPath"));
  desktop = await newContext(browser, { viewport: { width: 1440, height: 900 } });
  page = await desktop.newPage();
  watchCsp(page);
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe("a trader's day, desktop 1440x900", () => {
  it("shows margin, liquidation price and ROE per position", async () => {
    await screenshotSignIn(page, "desktop");
    await signIn(page, url);
    await app.simulatedExchange.setMarkPrice("BTCUSDT", "66000");
    await expect.poll(() => text(page.getByLabel("BTCUSDT long mark price"))).toBe("66,000.00");
    // 0.5 BTC long from 64,250.50 at 5x: margin 32,125.25 / 5; liquidation where margin + PnL
    // meets the 0.4% maintenance margin: 64,250.5 x (1 - 1/5) / (1 - 0.004).
    expect(await text(page.getByLabel("BTCUSDT long margin"))).toBe("6,425.05");
    expect(await text(page.getByLabel("BTCUSDT long liquidation price"))).toBe("51,606.83");
    // PnL 874.75 on 6,425.05 of margin.
    expect(await text(page.getByLabel("BTCUSDT long ROE"))).toBe("+13.61%");
    await screenshot(page, "desktop-dashboard");
  });

  it("charts the selected symbol's live mark price with its entry, stop-loss and take-profit", async () => {
    const chart = page.getByRole("img", { name: "BTCUSDT mark price chart" });
    await chart.waitFor();
    expect(await chart.locator("canvas").count()).toBeGreaterThan(0);
    await app.simulatedExchange.setMarkPrice("BTCUSDT", "66123.4");
    await expect.poll(() => text(page.getByLabel("Chart last price"))).toBe("BTCUSDT 66,123.40");
    await page.getByLabel("Chart symbol").selectOption({ label: "ETHUSDT short" });
    await page.getByRole("img", { name: "ETHUSDT mark price chart" }).waitFor();
    await app.simulatedExchange.setMarkPrice("ETHUSDT", "3321.5");
    await expect.poll(() => text(page.getByLabel("Chart last price"))).toBe("ETHUSDT 3,321.50");
    await page.getByRole("img", { name: "ETHUSDT mark price chart" }).screenshot({
      path: `${new URL("../test-results/screenshots/", import.meta.url).pathname}desktop-chart.png`,
    });
  });

  it("previews the order's value and margin, and names each quantity mistake on the field", async () => {
    const form = page.getByRole("form", { name: "New order" });
    await form.getByLabel("Symbol").fill("BTCUSDT");
    // The open BTCUSDT long's leverage is where the form starts: leverage is the symbol's.
    expect(await form.getByLabel("Leverage").inputValue()).toBe("5");
    await form.getByLabel("Leverage").selectOption("10");
    expect(await text(form.locator("#leverage-change"))).toBe(
      "The open BTCUSDT position moves from 5x to 10x too",
    );
    await form.getByLabel("Quantity").fill("0.01");
    // At the mark (66,123.40): 661.234 -> 661.23; a tenth of it at 10x.
    await expect.poll(() => text(form.getByLabel("Order value"))).toBe("661.23 USDT");
    expect(await text(form.getByLabel("Required margin"))).toBe("66.12 USDT");
    expect(await text(page.locator("#quantity-rules"))).toContain("Steps of 0.001 BTC");

    const cases: [symbol: string, quantity: string, message: string][] = [
      ["BTCUSDT", "", "required"],
      ["BTCUSDT", "abc", "must be a number, such as 0.5"],
      ["BTCUSDT", "1,5", "use a dot for decimals and no thousands separators (1.5, 1000)"],
      ["BTCUSDT", "1e3", "write the number out in full, without an exponent"],
      ["BTCUSDT", "12345678901234567890", "must be at most 1,000,000,000"],
      ["BTCUSDT", "0.1234567890123456789", "too many decimal places: at most 18 (19 given)"],
      ["BTCUSDT", "0.0001", "quantity must be a multiple of 0.001 BTC (the step)"],
      ["DOGEUSDT", "10", "order value 1.50 USDT is below the 5 USDT minimum"],
    ];
    const quantity = form.getByLabel("Quantity");
    for (const [symbol, typed, message] of cases) {
      await form.getByLabel("Symbol").fill(symbol);
      await quantity.fill(typed);
      const answered = page.waitForResponse((r) => r.url().includes("orders.create"));
      await form.getByRole("button", { name: "Place order" }).click();
      await answered;
      await expect.poll(() => quantity.getAttribute("aria-describedby")).toBeTruthy();
      const describedBy = await quantity.getAttribute("aria-describedby");
      await expect.poll(() => text(page.locator(`[id="${describedBy}"]`))).toBe(message);
    }
    await screenshot(page, "desktop-order-form-errors");
  });

  it("cancels a resting order, then all of a symbol after asking, with a notification for each", async () => {
    const form = page.getByRole("form", { name: "New order" });
    await form.getByLabel("Symbol").fill("BNBUSDT");
    await form.getByLabel("Order type").selectOption("LIMIT");
    await form.getByLabel("Leverage").selectOption("1");
    for (const price of ["500", "490", "480"]) {
      await form.getByLabel("Quantity").fill("0.1");
      await form.getByLabel("Limit price").fill(price);
      const answered = page.waitForResponse((r) => r.url().includes("orders.create"));
      await form.getByRole("button", { name: "Place order" }).click();
      await answered;
      await form.getByRole("status").filter({ hasText: "BUY 0.1 BNBUSDT limit: new" }).waitFor();
    }
    const orders = page.getByRole("table", { name: "BNBUSDT open orders" });
    await expect.poll(() => orders.getByRole("row").count()).toBe(4); // header + 3
    await screenshot(page, "desktop-open-orders");

    await orders.getByRole("button", { name: "Cancel BUY 0.1 BNBUSDT limit entry at 490.00 order" }).click();
    await page.getByRole("status").filter({ hasText: "1 cancelled" }).waitFor();
    await expect.poll(() => orders.getByRole("row").count()).toBe(3);

    await page.getByRole("button", { name: "Cancel all BNBUSDT orders" }).click();
    await page.getByRole("button", { name: "Confirm: Cancel all BNBUSDT orders" }).click();
    await page.getByRole("status").filter({ hasText: "All BNBUSDT orders: 2 cancelled" }).waitFor();
    await orders.waitFor({ state: "detached" });
    await form.getByLabel("Order type").selectOption("MARKET");
  });

  it("closes a position after asking and lists it with its realized PnL; history pages", async () => {
    const summary = page.getByRole("region", { name: "Last 90 days" });
    const closedCount = () => text(summary.getByLabel("Closed positions", { exact: true }));
    await expect.poll(closedCount).toMatch(/^\d+$/);
    const closedBefore = Number(await closedCount());
    await app.simulatedExchange.setMarkPrice("SOLUSDT", "160");
    await expect.poll(() => text(page.getByLabel("SOLUSDT long mark price"))).toBe("160.00");
    await page.getByRole("button", { name: "Close SOLUSDT long position" }).click();
    await page.getByRole("button", { name: "Confirm: Close SOLUSDT long position" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: "SOLUSDT long closed at 160.00: realized PnL" })
      .waitFor();
    await row(page, "SOLUSDT long").waitFor({ state: "detached" });
    const history = page.getByRole("region", { name: "History" });
    const closedPnl = history.getByLabel("SOLUSDT long realized PnL").first();
    await expect.poll(() => text(closedPnl)).toMatch(/^[+-][\d,]+\.\d{2}/);

    // Enough trades for two pages: a script's market orders and closes.
    const { token } = (await api("auth.login", "", DEMO)) as { token: string };
    const [account] = (await api("accounts.list", token)) as { id: string }[];
    for (let i = 0; i < 6; i++) {
      const created = (await api("orders.create", token, {
        accountId: account?.id,
        symbol: "XRPUSDT",
        side: "BUY",
        type: "MARKET",
        quantity: "10",
      })) as { position: { id: string } };
      await api("positions.close", token, { positionId: created.position.id });
    }
    await history.getByRole("tab", { name: "Trades" }).click();
    const trades = history.getByRole("table", { name: "Trades" });
    await expect.poll(() => trades.getByRole("row").count()).toBe(11); // header + 10
    await history.getByRole("button", { name: "Older trades" }).click();
    await expect.poll(() => text(history.getByLabel("trades page", { exact: true }))).toBe("Page 2");
    await expect.poll(() => trades.getByRole("row").count()).toBeGreaterThan(1);
    await screenshot(page, "desktop-history");
    await history.getByRole("button", { name: "Newer trades" }).click();
    await expect.poll(() => text(history.getByLabel("trades page", { exact: true }))).toBe("Page 1");
    await history.getByRole("tab", { name: "Closed positions" }).click();
    // The PnL curve and the history summary read the daily history, today's days live: the 7
    // closes (one here, six by another client) count as soon as "your data changed" arrives.
    await expect.poll(closedCount).toBe(String(closedBefore + 7));
    const realized = await text(summary.getByLabel("Realized PnL", { exact: true }));
    expect(realized).toMatch(/^[+-]?[\d,]+\.\d{2}$/);
    await expect.poll(() => text(page.getByLabel("Realized PnL total"))).toBe(`${realized} USDT`);
    expect(await text(summary.getByLabel("History as of"))).toMatch(
      /^Today \(UTC\) live as of \d\d:\d\d:\d\d; earlier days as of \d\d:\d\d \(the daily view's last refresh\)\.$/,
    );
    await summary.screenshot({ path: `${SCREENSHOT_DIR}desktop-history-summary.png` });
  });

  it("filters the PnL curve and the history summary to one symbol, and back to all", async () => {
    const summary = page.getByRole("region", { name: "Last 90 days" });
    const closedCount = () => text(summary.getByLabel("Closed positions", { exact: true }));
    const allClosed = await closedCount();
    const historyFor = page.getByLabel("History for");
    // The six XRPUSDT closes of the script above, nothing of the seeded BTCUSDT / ETHUSDT ones.
    await historyFor.selectOption("XRPUSDT");
    await page.getByRole("heading", { name: "Last 90 days · XRPUSDT" }).waitFor();
    await page.getByRole("heading", { name: "Realized PnL · XRPUSDT" }).waitFor();
    await expect.poll(closedCount).toBe("6");
    expect(await text(summary.getByLabel("Filled orders", { exact: true }))).toBe("12");
    // How many of the six made money, from the history's winning positions.
    expect(await text(summary.getByLabel("Win rate", { exact: true }))).toMatch(/^\d+\.\d% \([0-6] of 6\)$/);
    const realized = await text(summary.getByLabel("Realized PnL", { exact: true }));
    await expect.poll(() => text(page.getByLabel("Realized PnL total"))).toBe(`${realized} USDT`);
    await screenshot(page, "desktop-history-symbol");
    // A symbol listed but never traded: nothing closed.
    await historyFor.selectOption("DOGEUSDT");
    await expect.poll(closedCount).toBe("0");
    expect(await text(summary.getByLabel("Win rate", { exact: true }))).toBe("–");
    await historyFor.selectOption({ label: "All symbols" });
    await page.getByRole("heading", { name: "Last 90 days", exact: true }).waitFor();
    await expect.poll(closedCount).toBe(allClosed);
  });

  it("offers a symbol the exchange no longer lists once the history has it, and filters to it", async () => {
    const historyFor = page.getByLabel("History for");
    const luna = historyFor.locator('option[value="LUNAUSDT"]');
    expect(await luna.count()).toBe(0);
    // A position of a symbol the simulated exchange does not list (delisted since it was
    // traded), written into the record as the desk would have; then "your data changed".
    const demo = await app.db.prisma.user.findUniqueOrThrow({
      where: { email: DEMO.email },
      include: { accounts: true },
    });
    await recordClosedPosition(app.db.prisma, {
      accountId: demo.accounts[0]!.id,
      symbol: "LUNAUSDT",
      realizedPnl: "-7990",
      closedAt: new Date(),
    });
    await app.desk.cache.invalidate(demo.id);
    // Refetched with the history (no poll would): the choice appears.
    await luna.waitFor({ state: "attached" });
    await historyFor.selectOption("LUNAUSDT");
    const summary = page.getByRole("region", { name: "Last 90 days · LUNAUSDT" });
    await expect.poll(() => text(summary.getByLabel("Closed positions", { exact: true }))).toBe("1");
    expect(await text(summary.getByLabel("Realized PnL", { exact: true }))).toBe("-7,990.00");
    await historyFor.selectOption({ label: "All symbols" });
    await page.getByRole("heading", { name: "Last 90 days", exact: true }).waitFor();
  });

  it("opens a second tab already signed in; signing out there signs out every tab", async () => {
    const second = await desktop.newPage();
    watchCsp(second);
    await second.goto(url);
    await row(second, "BTCUSDT long").waitFor();
    // From here the first tab gets no answer from the server, so no 401 of its next poll can be
    // what signs it out: the second tab tells it (BroadcastChannel).
    await page.route(/\/trpc\//, () => {});
    await second.getByRole("button", { name: "Sign out" }).click();
    await second.getByRole("button", { name: "Sign in" }).waitFor();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await second.close();
  });
});

describe("a trader's day, phone 390x844", () => {
  let phone: BrowserContext;
  let mobile: Page;
  beforeAll(async () => {
    phone = await newContext(browser, {
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    mobile = await phone.newPage();
    watchCsp(mobile);
  });
  afterAll(() => phone?.close());

  const documentWidth = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth);

  it("fits 390 px without sideways scrolling, positions as rows with their controls in reach", async () => {
    await screenshotSignIn(mobile, "phone");
    await signIn(mobile, url);
    await row(mobile, "BTCUSDT long").waitFor();
    await mobile.getByRole("img", { name: /mark price chart/ }).waitFor();
    expect(await documentWidth(mobile)).toBeLessThanOrEqual(390);
    const close = mobile.getByRole("button", { name: "Close BTCUSDT long position" });
    const box = await close.boundingBox();
    expect(box).not.toBeNull();
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(390);
    expect(box?.height ?? 0).toBeGreaterThanOrEqual(40); // a thumb's target
    expect(await text(mobile.getByLabel("BTCUSDT long liquidation price"))).toBe("51,606.83");
    await screenshot(mobile, "phone-dashboard");

    // The order form is one tap away, and its errors and preview fit too.
    await mobile.getByRole("link", { name: "New order" }).click();
    const form = mobile.getByRole("form", { name: "New order" });
    await form.getByLabel("Symbol").fill("BTCUSDT");
    await form.getByLabel("Quantity").fill("1,5");
    await form.getByRole("button", { name: "Place order" }).click();
    await expect.poll(() => form.getByLabel("Quantity").getAttribute("aria-invalid")).toBe("true");
    expect(await documentWidth(mobile)).toBeLessThanOrEqual(390);
    await form.screenshot({
      path: `${new URL("../test-results/screenshots/", import.meta.url).pathname}phone-order-form.png`,
    });

    const history = mobile.getByRole("region", { name: "History" });
    await history.getByRole("tab", { name: "Trades" }).click();
    await history.getByRole("table", { name: "Trades" }).getByRole("row").nth(1).waitFor();
    expect(await documentWidth(mobile)).toBeLessThanOrEqual(390);
    await history.screenshot({
      path: `${new URL("../test-results/screenshots/", import.meta.url).pathname}phone-history.png`,
    });
  });

  it("kept the dashboard CSP-clean: no inline script or style refused", () => {
    expect(cspViolations).toEqual([]);
  });
});

async function screenshotSignIn(p: Page, size: string) {
  await p.goto(url);
  await p.getByRole("button", { name: "Sign in" }).waitFor();
  await screenshot(p, `${size}-sign-in`);
}
