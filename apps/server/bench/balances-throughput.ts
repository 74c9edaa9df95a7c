import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { Worker } from "node:worker_threads";
import { createApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";

/**
 * Over HTTP, a signed-in trader's cached dashboard.balances against a trivial authenticated
 * procedure (auth.me) on the same server: requests per second at the same concurrency, in
 * alternating rounds, side by side in one run. Now that prices come from the feed and balances
 * from the streams, a read waits on no exchange call; the goal is at least 0.9x. The load runs in
 * a worker thread so its client side is not charged to the server. Run: `pnpm bench`.
 */

const CONNECTIONS = 16;
const ROUND_MS = 3_000;
const ROUNDS = 4;

const LOAD_WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const { url, authorization, connections, durationMs } = workerData;
let done = 0;
let failed = 0;
const until = Date.now() + durationMs;
async function client() {
  while (Date.now() < until) {
    const response = await fetch(url, { headers: { authorization } });
    await response.arrayBuffer();
    if (response.status === 200) done += 1;
    else failed += 1;
  }
}
Promise.all(Array.from({ length: connections }, client)).then(() => parentPort.postMessage({ done, failed }));
`;

function load(url: string, authorization: string): Promise<{ done: number; failed: number }> {
  const worker = new Worker(LOAD_WORKER, {
    eval: true,
    workerData: { url, authorization, connections: CONNECTIONS, durationMs: ROUND_MS },
  });
  return new Promise((resolve, reject) => {
    worker.once("message", (result) => {
      void worker.terminate();
      resolve(result);
    });
    worker.once("error", reject);
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const app = await createApp(
  loadConfig({
    PORT: "0",
    DATABASE_URL: "memory://",
    SIMULATED_PRICE_TICK_MS: "1000",
    JWT_SECRET: "benchmark-secret-that-is-long-enough!!",
    LOG_LEVEL: "silent",
  }),
);
const base = await app.listen();
await app.reconciled;
try {
  const signIn = await fetch(`${base}/trpc/auth.login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "demo@example.com", password: "tradedesk-demo" }),
  });
  const { result } = (await signIn.json()) as { result: { data: { token: string } } };
  const authorization = `Bearer ${result.data.token}`;
  const targets = {
    "auth.me (trivial, authenticated)": `${base}/trpc/auth.me`,
    "dashboard.balances (cached)": `${base}/trpc/dashboard.balances`,
  };
  // Warm up both (the first balances read seeds the caches and the streams' state).
  for (const url of Object.values(targets)) await load(url, authorization);

  const perSecond: Record<string, number[]> = Object.fromEntries(
    Object.keys(targets).map((name) => [name, []]),
  );
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, url] of Object.entries(targets)) {
      const { done, failed } = await load(url, authorization);
      if (failed > 0) throw new Error(`${name}: ${failed} failed requests`);
      perSecond[name]!.push(done / (ROUND_MS / 1000));
    }
  }
  const [trivial, balances] = Object.values(perSecond).map(median) as [number, number];
  const report = [
    "# Cached balances over HTTP vs a trivial authenticated procedure",
    "",
    `Node ${process.version}, ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(
        " / ",
      )}, ${new Date().toISOString()}; ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${ROUND_MS / 1000} s, medians.`,
    "",
    "| procedure | requests/s | vs auth.me |",
    "| --- | ---: | ---: |",
    `| auth.me (trivial, authenticated) | ${trivial.toFixed(0)} | 1.00x |`,
    `| dashboard.balances (cached) | ${balances.toFixed(0)} | ${(balances / trivial).toFixed(2)}x |`,
    "",
  ].join("\n");
  console.log(report);
  writeFileSync(new URL("./balances-throughput-results.md", import.meta.url), report);
} finally {
  await app.close();
}
