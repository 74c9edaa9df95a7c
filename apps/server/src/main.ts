import { DatabaseConfigError, MigrationError } from "@tradedesk/db";
import { createApp } from "./app.ts";
import { loadProcessConfigOrExit } from "./config.ts";
import { createLogger } from "./logging.ts";

/** The server process: configuration, the app, signals. */

const config = loadProcessConfigOrExit();

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
const listening = await app.listen().catch((error: unknown) => {
  // The usual first-run failure (another server, or an earlier one still running): name the
  // setting that moves us, rather than a stack trace.
  if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
    logger.fatal(
      `tradedesk could not start: port ${config.port} on ${config.host} is already in use; stop what listens there or set PORT to a free port`,
    );
  } else {
    logger.fatal({ err: error }, "tradedesk could not start");
  }
  logger.flush();
  process.exit(1);
});
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
