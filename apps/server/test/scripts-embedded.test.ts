import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { AppRouter } from "@tradedesk/api";
import { afterAll, beforeAll, expect, it } from "vitest";
import { listenForBalancesChanged } from "./testing/balances-changed.ts";
import { createTestClient } from "./testing/trpc-client.ts";

/**
 * The scripts in the default setup: a real server (`src/main.ts`, a child process) on the
 * embedded database in a temp folder, and `report:balances` / `cache:invalidate` run as child
 * processes beside it. They reach the database through the server's local socket and the
 * invalidation reaches the server's cache (and its open dashboards) over LISTEN/NOTIFY.
 */

const serverDir = fileURLToPath(new URL("..", import.meta.url));
const dataDir = mkdtempSync(`${tmpdir()}/tradedesk-scripts-`);
const env = {
  PATH: process.env.PATH ?? "",
  HOME: process.env.HOME ?? "",
  DATABASE_URL: `file:${dataDir}/pglite`,
  SIMULATED_LATENCY_MS: "0",
  JWT_SECRET: "scripts-tests-secret-that-is-long-enough",
  // Long enough that only an invalidation makes the next read a miss.
  CACHE_TTL_MS: "600000",
  // Nothing else invalidates meanwhile: no price ticks (no stop-loss fires), no scheduled runs.
  SIMULATED_PRICE_TICK_MS: "0",
  RECONCILE_ACTIVE_INTERVAL_MS: "3600000",
  RECONCILE_IDLE_INTERVAL_MS: "3600000",
};
let server: ChildProcess | undefined;
let url = "";

beforeAll(async () => {
  server = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: serverDir,
    env: { ...env, PORT: "0", LOG_LEVEL: "info", SERVE_WEB_APP: "false" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  server.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines = createInterface({ input: server.stdout! });
  url = await new Promise<string>((resolve, reject) => {
    lines.on("line", (line) => {
      const listening = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (listening?.[1]) resolve(listening[1]);
    });
    server?.once("exit", (code) => reject(new Error(`server exited (${code}):\n${stderr.slice(-3000)}`)));
  });
  // Ready: the start-up reconciliation is done (bounded: 200 polls, each a real request).
  for (let attempt = 0; attempt < 200; attempt++) {
    if ((await fetch(`${url}/readyz`)).status === 200) break;
  }
}, 90_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server?.once("exit", resolve));
    server.kill("SIGTERM");
    await exited;
  }
  // The server removes its socket when it closes.
  expect(existsSync(`${dataDir}/pglite.socket`)).toBe(false);
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

const run = promisify(execFile);
const script = (name: string) =>
  run(process.execPath, ["--import", "tsx", `src/scripts/${name}.ts`, "--email", "demo@example.com"], {
    cwd: serverDir,
    env,
    timeout: 60_000,
  });

async function invalidationsCounted(): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^tradedesk_cache_invalidations_total (\d+)/m.exec(text)?.[1] ?? Number.NaN);
}

it("report:balances and cache:invalidate run beside the server and act on its cache", async () => {
  const { token } = await createTestClient<AppRouter>(url).auth.login.mutate({
    email: "demo@example.com",
    password: "tradedesk-demo",
  });
  const trader = createTestClient<AppRouter>(url, { authorization: `Bearer ${token}`, token });
  await trader.dashboard.balances.query();
  expect((await trader.dashboard.balances.query()).fromCache).toBe(true);

  // A dashboard tab, to hear "your data changed".
  const { hear, unsubscribe } = listenForBalancesChanged(trader);
  try {
    await hear((reason) => reason === "subscribed");

    const report = await script("report-balances");
    expect(report.stdout).toContain("Balances of demo@example.com: FRESH");
    expect(report.stdout).toContain("Totals (USDT)");
    expect(report.stdout).toContain("on the running server's database (its local socket)");
    // Reading changed nothing on the server: its entry is still there.
    expect((await trader.dashboard.balances.query()).fromCache).toBe(true);

    const before = await invalidationsCounted();
    const invalidate = await script("cache-invalidate");
    expect(invalidate.stdout).toContain(
      "sent to the running server through its embedded database (LISTEN/NOTIFY)",
    );
    // The script has exited, its NOTIFY delivered: the server dropped the user's entries...
    expect(await invalidationsCounted()).toBe(before + 1);
    expect((await trader.dashboard.balances.query()).fromCache).toBe(false);
    // ...and the open tab was told.
    await hear((reason) => reason !== "subscribed");
  } finally {
    unsubscribe();
  }
}, 120_000);
