import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

/** The embedded development database, the same folder apps/server uses by default. */
export const DEFAULT_DEV_DATABASE_URL = `file:${fileURLToPath(new URL("../../../../.data/pglite", import.meta.url))}`;

/**
 * `--url <database url>`; the last one wins. The package scripts pass `--url "$DATABASE_URL"`,
 * so an empty value means "not set": the embedded development database.
 */
export function databaseUrlFromArgs(argv: string[] = process.argv.slice(2)): string {
  // `pnpm db:seed -- --url x` hands the "--" through, after the script's own --url.
  const args = argv.filter((arg) => arg !== "--");
  const { values } = parseArgs({ args, options: { url: { type: "string" } }, allowPositionals: false });
  return values.url || DEFAULT_DEV_DATABASE_URL;
}

/** Prints our own errors as one clear line instead of a stack trace, and exits non-zero. */
export function reportAndExit(error: unknown): never {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  console.error(message);
  process.exit(1);
}
