import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DatabaseConfigError } from "@tradedesk/db";
import { type App, createApp } from "../app.ts";
import { createPgNotifyBus } from "../bus/notify-bus.ts";
import { type Config, ConfigError, loadProcessConfig } from "../config.ts";
import { findEmbeddedSocket } from "../embedded/embedded-socket.ts";
import { createLogger } from "../logging.ts";
import { UnknownUserError } from "./user-caller.ts";

/**
 * Runs an internal script on the server's own configuration (same database, cache settings and
 * Redis bus), with `--email <email>`; exit code 1 and one clear line on a known failure. On the
 * embedded database with a server running, it goes through that server's local socket (the
 * folder is the server's) and its invalidations reach the server over LISTEN/NOTIFY.
 */
export async function runScript(
  usage: string,
  body: (app: App, email: string, reach: ScriptReach) => Promise<string>,
) {
  const { values } = parseArgs({ options: { email: { type: "string" } }, strict: true });
  if (!values.email) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  let app: App | undefined;
  try {
    const { config, reach } = throughRunningServer(loadProcessConfig());
    // Scripts talk to the user, not to a log collector: errors only.
    const invalidationBus =
      reach === "embedded socket" ? await createPgNotifyBus(config.databaseUrl) : undefined;
    try {
      app = await createApp(config, {
        logger: createLogger("error", false),
        upkeep: false,
        ...(invalidationBus ? { invalidationBus } : {}),
      });
      console.log(await body(app, values.email, reach));
    } finally {
      await app?.close();
      await invalidationBus?.close();
    }
  } catch (error) {
    const known = [ConfigError, UnknownUserError, DatabaseConfigError];
    if (known.some((type) => error instanceof type)) {
      console.error((error as Error).message);
      process.exitCode = 1;
    } else {
      throw error;
    }
  }
}

/** How a script's invalidations reach running servers. */
export type ScriptReach = "redis" | "embedded socket" | "none";

/** The embedded database on disk while a server has it: its socket, as PostgreSQL. */
function throughRunningServer(config: Config): { config: Config; reach: ScriptReach } {
  if (config.redisUrl) return { config, reach: "redis" };
  if (!config.embeddedDatabase || !config.databaseUrl.startsWith("file:")) return { config, reach: "none" };
  const url = findEmbeddedSocket(resolve(config.databaseUrl.slice("file:".length)));
  if (!url) return { config, reach: "none" };
  return {
    config: { ...config, databaseUrl: url, embeddedDatabase: false, seedDemoData: false },
    reach: "embedded socket",
  };
}
