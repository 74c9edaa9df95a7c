import { randomBytes } from "node:crypto";
import { type FakeBinance, startFakeBinance } from "@tradedesk/core/testing";
import type { App } from "@tradedesk/server";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium, newContext, screenshot, signIn, startServer } from "./testing/harness.ts";

/**
 * Adding a Binance account from the dashboard, against the fake Binance server (a Binance
 * connection beside the simulated exchange the demo desk trades on): the keys are checked with
 * one signed read before anything is stored; wrong keys are refused under the field at fault.
 */

let fake: FakeBinance;
let app: App;
let url: string;
let browser: Browser;

beforeAll(async () => {
  fake = await startFakeBinance();
  ({ app, url } = await startServer(inject("webDistDir"), {
    env: {
      EXCHANGE: "binance",
      BINANCE_BASE_URL: fake.url,
      BINANCE_WS_BASE_URL: fake.wsUrl,
      BINANCE_TESTNET: "true",
      CREDENTIALS_KEY: randomBytes(32).toString("base64"),
    },
  }));
  browser = await launchChromium(inject("chromiumPath"));
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await fake?.close();
});

async function addAccount(page: Page, label: string, apiSecret: string) {
  const form = page.getByRole("form", { name: "Add a Binance account" });
  await form.getByLabel("Label").fill(label);
  await form.getByLabel("API key").fill(fake.accounts[0]!.apiKey);
  await form.getByLabel("API secret").fill(apiSecret);
  await form.getByLabel(/Testnet/).check();
  await form.getByRole("button", { name: "Add account" }).click();
  return form;
}

describe("adding a Binance account", () => {
  for (const [size, viewport] of [
    ["desktop", { width: 1440, height: 900 }],
    ["phone", { width: 390, height: 844 }],
  ] as const) {
    it(`refuses a wrong secret under its field, then stores the right keys (${size})`, async () => {
      const context = await newContext(browser, { viewport });
      const page = await context.newPage();
      await signIn(page, url);
      const accounts = page.getByRole("region", { name: "Exchange accounts" });
      await accounts.scrollIntoViewIfNeeded();

      const form = await addAccount(page, `Binance ${size}`, randomBytes(32).toString("hex"));
      await expect.poll(() => form.getByLabel("API secret").getAttribute("aria-invalid")).toBe("true");
      await screenshot(page, `${size}-binance-account-refused`);

      await addAccount(page, `Binance ${size}`, fake.accounts[0]!.apiSecret);
      // Listed as "<label> (Binance, testnet)" beside the simulated account.
      await accounts
        .getByText(new RegExp(`^Binance ${size}\\b`))
        .first()
        .waitFor();
      // The keys never come back to the page.
      expect(await page.content()).not.toContain(fake.accounts[0]!.apiSecret);
      // The new account's balances fit the screen too (no sideways scrolling on a phone).
      await page.getByRole("table", { name: "Balances" }).getByText(`Binance ${size}`).first().waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        viewport.width,
      );
      await screenshot(page, `${size}-binance-account-added`);
      await context.close();
    });
  }
});
