import { isAbsolute, resolve } from "node:path";
import { DatabaseConfigError } from "./errors.ts";

/** Where a database lives, decided from its URL. */
export type DatabaseLocation =
  | { provider: "pglite"; dataDir: undefined; describe: string }
  | { provider: "pglite"; dataDir: string; describe: string }
  | { provider: "postgresql"; connectionString: string; schema: string | undefined; describe: string };

/** Replaces the password of a URL with ****, so it can be logged or shown in an error. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.host !== "") {
      if (parsed.password) parsed.password = "****";
      return parsed.toString();
    }
  } catch {
    // Unparseable: masked by hand below.
  }
  // No authority the URL parser could see (unparseable, or "postgres:/user:pw@host" with one slash):
  // mask anything between "user:" and "@" rather than echo a secret.
  return url.replace(/^([a-z][a-z0-9+.-]*:\/{0,2}[^:/@]*:)[^@]*@/i, "$1****@");
}

/**
 * undefined or "memory://" -> in-memory PGlite; "file:<dir>" or a plain path -> PGlite on disk;
 * postgres:// or postgresql:// -> PostgreSQL (an optional `?schema=` selects the schema, as in Prisma).
 * `role` names the setting in errors, e.g. "DATABASE_URL".
 */
export function parseDatabaseUrl(url: string | undefined, role: string): DatabaseLocation {
  const value = url?.trim();
  if (value === undefined || value === "" || value === "memory://") {
    return { provider: "pglite", dataDir: undefined, describe: "pglite (in memory)" };
  }
  if (/^postgres(ql)?:\/\//i.test(value)) return parsePostgresUrl(value, role);
  if (value.startsWith("file:"))
    return pgliteOnDisk(value.slice("file:".length).replace(/^\/\/(?=\/)/, ""), role);
  // Any other scheme, or a mistyped one ("postgres:/db", "postgresql:host"), is refused rather than
  // taken for a folder name: that would silently start an empty embedded database. A single
  // letter before ":" is a Windows drive, so a path.
  if (/^[a-z][a-z0-9+.-]+:/i.test(value)) {
    throw new DatabaseConfigError(
      `${role} ${maskUrl(value)} is not supported: use postgres://, postgresql://, file:<dir> or memory://`,
    );
  }
  return pgliteOnDisk(value, role);
}

function pgliteOnDisk(path: string, role: string): DatabaseLocation {
  if (path === "") throw new DatabaseConfigError(`${role} "file:" names no directory`);
  const dataDir = isAbsolute(path) ? path : resolve(path);
  return { provider: "pglite", dataDir, describe: `pglite (${dataDir})` };
}

function parsePostgresUrl(value: string, role: string): DatabaseLocation {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new DatabaseConfigError(`${role} ${maskUrl(value)} is not a valid URL`);
  }
  if (parsed.hostname === "") throw new DatabaseConfigError(`${role} ${maskUrl(value)} names no host`);
  const schema = parsed.searchParams.get("schema") ?? undefined;
  if (schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new DatabaseConfigError(`${role} ${maskUrl(value)} has an invalid schema name "${schema}"`);
  }
  // node-postgres does not know Prisma's `schema` parameter; we apply it through search_path.
  parsed.searchParams.delete("schema");
  const connectionString = parsed.toString();
  return {
    provider: "postgresql",
    connectionString,
    schema,
    describe: `postgresql ${maskUrl(value)}`,
  };
}
