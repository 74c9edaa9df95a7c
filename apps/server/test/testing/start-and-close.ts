import { createApp, loadConfig } from "../../src/index.ts";

/**
 * Run as a child process by shutdown.test.ts: the app starts, answers a request and closes, and
 * then the process must end by itself, as it does under SIGTERM, with no process.exit to help.
 */
const app = await createApp(
  loadConfig({
    PORT: "0",
    DATABASE_URL: "memory://",
    SIMULATED_LATENCY_MS: "0",
    REDIS_URL: "redis://127.0.0.1:6379",
    LOG_LEVEL: "silent",
  }),
);
const url = await app.listen();
await app.reconciled; // /readyz is 503 "reconciling" until the start-up pass is done
const ready = await fetch(`${url}/readyz`);
await app.close();
process.stdout.write(`closed after /readyz ${ready.status}\n`);
