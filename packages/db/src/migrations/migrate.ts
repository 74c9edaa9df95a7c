import { randomUUID } from "node:crypto";
import type { Database } from "../connection/database.ts";
import { sqlAccessOf } from "../connection/database.ts";
import type { SqlSession } from "../connection/sql-session.ts";
import { MigrationError } from "./errors.ts";
import { ensureHistoryTable, historyTable, type MigrationRow, readHistory } from "./history-table.ts";
import { type MigrationFile, matchesChecksum, readMigrationFiles } from "./migration-files.ts";

export interface MigrateOptions {
  /** A Prisma migrations folder; default: the repository's prisma/migrations. */
  migrationsDir?: string;
}

export interface MigrateResult {
  /** Applied by this call, in order. */
  applied: string[];
  /** Already applied before this call. */
  skipped: string[];
  /** Already applied, but migration.sql changed since (checksum mismatch): reported, never re-run. */
  modified: string[];
}

export interface MigrationStatus {
  pending: string[];
  applied: string[];
  /** Started and neither finished nor marked rolled back: blocks migrate() until resolved. */
  failed: string[];
  modified: string[];
}

// The key `prisma migrate` locks too, so our migrator and Prisma's never run at once.
const PRISMA_ADVISORY_LOCK_KEY = 72707369;

/**
 * Applies pending migrations, each in its own transaction, recording them in _prisma_migrations
 * exactly as Prisma does. Refuses to run while a failed or half-applied migration is recorded.
 */
export async function migrate(db: Database, options: MigrateOptions = {}): Promise<MigrateResult> {
  const files = readMigrationFiles(options.migrationsDir);
  const { schema, withSession } = sqlAccessOf(db);
  return withSession(async (session) => {
    // PGlite is a single connection in this process: nothing else can migrate it concurrently.
    const locked = db.provider === "postgresql";
    if (locked) await session.query("SELECT pg_advisory_lock($1)", [PRISMA_ADVISORY_LOCK_KEY]);
    try {
      await ensureHistoryTable(session, schema);
      const status = statusOf(files, await readHistory(session, schema));
      if (status.failed.length > 0) throw new MigrationError(failedMessage(status.failed, db.describe));
      const applied: string[] = [];
      for (const file of files) {
        if (status.applied.includes(file.name)) continue;
        await applyMigration(session, schema, file);
        applied.push(file.name);
      }
      return { applied, skipped: status.applied, modified: status.modified };
    } finally {
      // A lost connection has released the lock already; its error must not hide the migration's.
      if (locked) {
        await session.query("SELECT pg_advisory_unlock($1)", [PRISMA_ADVISORY_LOCK_KEY]).catch(() => {});
      }
    }
  });
}

/** What migrate() would do, without changing anything. */
export async function migrationStatus(db: Database, options: MigrateOptions = {}): Promise<MigrationStatus> {
  const files = readMigrationFiles(options.migrationsDir);
  const { schema, withSession } = sqlAccessOf(db);
  const rows = await withSession((session) => readHistory(session, schema));
  return statusOf(files, rows);
}

function statusOf(files: MigrationFile[], rows: MigrationRow[]): MigrationStatus {
  // Rows marked rolled back (`prisma migrate resolve --rolled-back`) no longer count.
  const live = rows.filter((row) => row.rolled_back_at === null);
  const finished = new Map(live.filter((row) => row.finished_at !== null).map((r) => [r.migration_name, r]));
  const failed = [...new Set(live.filter((row) => row.finished_at === null).map((r) => r.migration_name))];
  const applied = files.filter((file) => finished.has(file.name)).map((file) => file.name);
  const modified = files
    .filter((file) => {
      const row = finished.get(file.name);
      return row !== undefined && !matchesChecksum(file, row.checksum);
    })
    .map((file) => file.name);
  const pending = files
    .filter((file) => !finished.has(file.name) && !failed.includes(file.name))
    .map((file) => file.name);
  return { pending, applied, failed, modified };
}

async function applyMigration(session: SqlSession, schema: string, file: MigrationFile): Promise<void> {
  const table = historyTable(schema);
  try {
    await session.transaction(async (tx) => {
      const id = randomUUID();
      await tx.query(
        `INSERT INTO ${table} (id, checksum, migration_name, started_at, applied_steps_count)
         VALUES ($1, $2, $3, now(), 0)`,
        [id, file.checksum, file.name],
      );
      await tx.exec(file.sql);
      await tx.query(`UPDATE ${table} SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`, [id]);
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // Recorded like Prisma records a failure, so `prisma migrate status` and our next start see it.
    // If even that fails (the connection is gone), the migration's own error still is what we report.
    const recorded = await session
      .query(
        `INSERT INTO ${table} (id, checksum, migration_name, logs, started_at, applied_steps_count)
         VALUES ($1, $2, $3, $4, now(), 0)`,
        [randomUUID(), file.checksum, file.name, reason],
      )
      .then(
        () => true,
        () => false,
      );
    const next = recorded
      ? `Fix it, then mark it rolled back (prisma migrate resolve --rolled-back ${file.name}) before starting again.`
      : "Nothing was recorded; fix the cause and start again.";
    throw new MigrationError(`migration ${file.name} failed and was rolled back: ${reason}. ${next}`, {
      cause: error,
    });
  }
}

function failedMessage(failed: string[], where: string): string {
  return (
    `database ${where} has failed or half-applied migration(s) ${failed.join(", ")} ` +
    `(recorded in _prisma_migrations with finished_at and rolled_back_at null). ` +
    `Check the database by hand, then mark each resolved ` +
    `(prisma migrate resolve --applied <name> or --rolled-back <name>); nothing was applied.`
  );
}
