import { mkdirSync } from "node:fs";
import { type App, createApp, loadConfig } from "@tradedesk/server";
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from "playwright-core";
import { SAFETY_NET_MS } from "./safety-net.ts";

/** Screenshots are test artifacts (gitignored; turbo keeps test-results/ as the test task's output). */
export const SCREENSHOT_DIR = new URL("../../test-results/screenshots/", import.meta.url).pathname;

/**
 * The whole product as `pnpm start` runs it, on port 0 and in-memory PGlite (migrated and seeded
 * with the demo desk), simulated exchange without latency and with prices moved only by the test.
 */
export async function startServer(
  webDistDir: string,
  options: { port?: number; databaseUrl?: string; env?: Record<string, string> } = {},
): Promise<{ app: App; url: string }> {
  const config = loadConfig({
    ...options.env,
    PORT: String(options.port ?? 0),
    DATABASE_URL: options.databaseUrl ?? "memory://",
    SIMULATED_LATENCY_MS: "0",
    SIMULATED_PRICE_TICK_MS: "0",
    WEB_DIST_DIR: webDistDir,
    JWT_SECRET: "browser-tests-secret-that-is-long-enough",
    LOG_LEVEL: "silent",
  });
  const app = await createApp(config);
  const url = await app.listen();
  return { app, url };
}

export async function launchChromium(executablePath: string): Promise<Browser> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A browser profile whose every wait defaults to the safety net, not to a speed claim. */
export async function newContext(browser: Browser, options?: BrowserContextOptions): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(SAFETY_NET_MS);
  return context;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOT_DIR}${name}.png`, fullPage: true });
}

export const DEMO = { email: "demo@example.com", password: "tradedesk-demo" };

export async function signIn(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel("Email").fill(DEMO.email);
  await page.getByLabel("Password").fill(DEMO.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("table", { name: "Positions", exact: true }).waitFor();
}
