import { DatabaseConfigError, MigrationError } from "@tradedesk/db";
import { createApp } from "./app.ts";
import { ConfigError, loadProcessConfig } from "./config.ts";
import { createLogger } from "./logging.ts";

/** The server process: configuration, the app, signals. */

let config: ReturnType<typeof loadProcessConfig>;
try {
  config = loadProcessConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

const logger = createLogger(config.logLevel, config.logFormat === "pretty");
const app = await createApp(config, { logger }).catch((error: unknown) => {
  // A bad database URL or a failed migration is the operator's to fix: say it plainly, no stack.
  if (error instanceof DatabaseConfigError || error instanceof MigrationError) {
    logger.fatal(`tradedesk could not start: ${error.message}`);
  } else {
    logger.fatal({ err: error }, "tradedesk could not start");
  }
  process.exit(1);
});
const listening = await app.listen();
const port = new URL(listening).port;
logger.info(
  config.webDistDir
    ? `tradedesk is running at http://localhost:${port}`
    : `tradedesk API is running at http://localhost:${port} (the dashboard is not served here: under \`pnpm dev\` open the Vite URL)`,
);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: finishing requests in flight");
    app.close().then(
      () => {
        logger.info("stopped");
        logger.flush();
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  });
}
