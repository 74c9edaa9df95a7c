import { parseArgs } from "node:util";
import { DatabaseConfigError } from "@tradedesk/db";
import { type App, createApp } from "../app.ts";
import { ConfigError, loadProcessConfig } from "../config.ts";
import { createLogger } from "../logging.ts";
import { UnknownUserError } from "./user-caller.ts";

/**
 * Runs an internal script on the server's own configuration (same database, cache settings and
 * Redis bus), with `--email <email>`; exit code 1 and one clear line on a known failure.
 */
export async function runScript(usage: string, body: (app: App, email: string) => Promise<string>) {
  const { values } = parseArgs({ options: { email: { type: "string" } }, strict: true });
  if (!values.email) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  let app: App | undefined;
  try {
    const config = loadProcessConfig();
    // Scripts talk to the user, not to a log collector: errors only.
    app = await createApp(config, { logger: createLogger("error", false) });
    console.log(await body(app, values.email));
  } catch (error) {
    const known = [ConfigError, UnknownUserError, DatabaseConfigError];
    if (known.some((type) => error instanceof type)) {
      console.error((error as Error).message);
      process.exitCode = 1;
    } else {
      throw error;
    }
  } finally {
    await app?.close();
  }
}
