import { writeFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { createApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { MAX_BATCH_SIZE } from "../src/http/http-server.ts";

/**
 * Issue 14's first attack as a benchmark: a signed-in trader reads dashboard.balances while 10
 * clients flood auth.login with full batches (each batch from a new address, as a botnet would, so
 * only the hashing bound stands between the flood and the trader). Reported: the trader's read
 * latency without and with the flood, and their ratio. Run: `pnpm bench` in apps/server.
 */

const READS = 400;
const FLOODERS = 10;

interface Scenario {
  name: string;
  flood: boolean;
  hashConcurrency: string;
}

const scenarios: Scenario[] = [
  { name: "no flood", flood: false, hashConcurrency: "1" },
  { name: "10 login floods, hashing bound 1 (default)", flood: true, hashConcurrency: "1" },
  { name: "10 login floods, hashing bound 3 (the most allowed)", flood: true, hashConcurrency: "3" },
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

let octet = 0;
const address = () => {
  octet += 1;
  return `10.${(octet >> 16) & 255}.${(octet >> 8) & 255}.${octet & 255}`;
};

/**
 * The flooders run in a worker thread (plain JavaScript: it needs only fetch): in the server's own
 * thread their requests' client side would be charged to the server.
 */
const FLOOD_WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const { randomUUID } = require("node:crypto");
const { url, flooders, batch } = workerData;
let stop = false;
let requests = 0;
let octet = 0;
parentPort.once("message", () => { stop = true; });
const paths = Array.from({ length: batch }, () => "auth.login").join(",");
async function flood() {
  while (!stop) {
    octet += 1;
    const inputs = {};
    for (let i = 0; i < batch; i++) inputs[i] = { email: randomUUID() + "@example.com", password: "guess" };
    const response = await fetch(url + "/trpc/" + paths + "?batch=1", {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": "11." + ((octet >> 16) & 255) + "." + ((octet >> 8) & 255) + "." + (octet & 255) },
      body: JSON.stringify(inputs),
    });
    await response.arrayBuffer();
    requests += 1;
  }
}
Promise.all(Array.from({ length: flooders }, flood)).then(() => parentPort.postMessage(requests));
`;

async function run(scenario: Scenario) {
  const app = await createApp(
    loadConfig({
      PORT: "0",
      DATABASE_URL: "memory://",
      SIMULATED_PRICE_TICK_MS: "0",
      JWT_SECRET: "benchmark-secret-that-is-long-enough!!",
      LOG_LEVEL: "silent",
      TRUST_PROXY: "true",
      PASSWORD_HASH_CONCURRENCY: scenario.hashConcurrency,
    }),
  );
  const url = await app.listen();
  await app.reconciled;
  try {
    const signIn = await fetch(`${url}/trpc/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": address() },
      body: JSON.stringify({ email: "demo@example.com", password: "tradedesk-demo" }),
    });
    const { result } = (await signIn.json()) as { result: { data: { token: string } } };
    const authorization = `Bearer ${result.data.token}`;

    const worker = scenario.flood
      ? new Worker(FLOOD_WORKER, {
          eval: true,
          workerData: { url, flooders: FLOODERS, batch: MAX_BATCH_SIZE },
        })
      : null;
    const floodRequests = worker
      ? new Promise<number>((resolve) => worker.once("message", resolve))
      : Promise.resolve(0);
    // Measured once the flood is under way.
    if (worker) await new Promise((resolve) => setTimeout(resolve, 1_000));

    const latencies: number[] = [];
    for (let i = 0; i < READS; i++) {
      const started = performance.now();
      const response = await fetch(`${url}/trpc/dashboard.balances`, { headers: { authorization } });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`balances answered ${response.status}`);
      latencies.push(performance.now() - started);
    }
    worker?.postMessage("stop");
    const requests = await floodRequests;
    await worker?.terminate();
    latencies.sort((a, b) => a - b);
    return {
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? Number.NaN,
      floodRequests: requests,
    };
  } finally {
    await app.close();
  }
}

await main();

async function main(): Promise<void> {
  const rows: string[] = [];
  let baseline: number | undefined;
  for (const scenario of scenarios) {
    const figures = await run(scenario);
    baseline ??= figures.p99;
    const row = `| ${scenario.name} | ${figures.p50.toFixed(1)} | ${figures.p99.toFixed(1)} | ${figures.max.toFixed(1)} | ${(figures.p99 / baseline).toFixed(1)}x | ${figures.floodRequests} |`;
    console.log(row);
    rows.push(row);
  }

  const report = `# Login flood: a signed-in trader's dashboard.balances

  ${READS} sequential reads by a signed-in trader (3 s cache TTL, simulated exchange with 50 ms
  latency), alone and while ${FLOODERS} clients send batches of ${MAX_BATCH_SIZE} \`auth.login\` calls
  back to back, each batch from a new address. Milliseconds; one run on ${new Date().toISOString().slice(0, 10)}.

  | scenario | p50 | p99 | max | p99 vs no flood | flood requests |
  | -------- | --: | --: | --: | --------------: | -------------: |
  ${rows.join("\n")}
  `;
  writeFileSync(new URL("./login-flood-results.md", import.meta.url), report);
}
