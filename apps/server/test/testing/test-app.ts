import type { Logger } from "pino";
import { type App, createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";

/**
 * The whole server on 127.0.0.1 for a test: port 0, in-memory PGlite (migrated and seeded), the
 * simulated exchange without latency and with prices moved only by the test, silent logs; `env`
 * adds or overrides variables. Resolves once it listens and the start-up reconciliation is done.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  options: { logger?: Logger } = {},
): Promise<{ app: App; url: string }> {
  const app = await createApp(
    loadConfig({
      PORT: "0",
      DATABASE_URL: "memory://",
      SIMULATED_LATENCY_MS: "0",
      SIMULATED_PRICE_TICK_MS: "0",
      JWT_SECRET: "server-tests-secret-that-is-long-enough",
      LOG_LEVEL: "silent",
      ...env,
    }),
    options.logger ? { logger: options.logger } : {},
  );
  const url = await app.listen();
  await app.reconciled; // /readyz is 503 "reconciling" until the start-up pass is done
  return { app, url };
}
