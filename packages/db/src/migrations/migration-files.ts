import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MigrationError } from "./errors.ts";

/** prisma/migrations at the repository root, found from this file so any cwd works. */
export const defaultMigrationsDir = fileURLToPath(new URL("../../../../prisma/migrations/", import.meta.url));

export interface MigrationFile {
  /** The folder name, e.g. 20261124100000_init (Prisma's migration_name). */
  name: string;
  sql: string;
  /** sha256 hex of migration.sql, as Prisma computes it. */
  checksum: string;
}

/** The migrations of a Prisma migrations folder (one sub-folder with a migration.sql each), in order. */
export function readMigrationFiles(dir: string = defaultMigrationsDir): MigrationFile[] {
  if (!existsSync(dir)) throw new MigrationError(`migrations folder ${dir} does not exist`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: sha256(sql) };
    });
}

export function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** Like Prisma, a checkout that only changed line endings (CRLF <-> LF) is not an edit. */
export function matchesChecksum(file: MigrationFile, checksum: string): boolean {
  return file.checksum === checksum || sha256(file.sql.replace(/\r\n/g, "\n")) === checksum;
}
