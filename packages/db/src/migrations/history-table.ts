import type { SqlRunner } from "../connection/sql-session.ts";

/** A row of Prisma's bookkeeping table. */
export interface MigrationRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

export const historyTable = (schema: string): string => `${quoteIdent(schema)}."_prisma_migrations"`;

/** The same table, columns and types `prisma migrate` creates, so both agree on what was applied. */
export async function ensureHistoryTable(sql: SqlRunner, schema: string): Promise<void> {
  await sql.exec(`
    CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)};
    CREATE TABLE IF NOT EXISTS ${historyTable(schema)} (
      "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum"            VARCHAR(64) NOT NULL,
      "finished_at"         TIMESTAMPTZ,
      "migration_name"      VARCHAR(255) NOT NULL,
      "logs"                TEXT,
      "rolled_back_at"      TIMESTAMPTZ,
      "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0
    );`);
}

/** The rows in order, or [] when the table does not exist yet. */
export async function readHistory(sql: SqlRunner, schema: string): Promise<MigrationRow[]> {
  const [exists] = await sql.query<{ exists: boolean }>("SELECT to_regclass($1) IS NOT NULL AS exists", [
    historyTable(schema),
  ]);
  if (!exists?.exists) return [];
  return sql.query<MigrationRow>(`SELECT * FROM ${historyTable(schema)} ORDER BY started_at, migration_name`);
}
