import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assembleDatabase } from "../connection/open-database.ts";
import { openPglite } from "../connection/pglite.ts";
import { migrate } from "../migrations/migrate.ts";
import { readMigrationFiles } from "../migrations/migration-files.ts";

// Initialising a PGlite cluster takes seconds; loading a snapshot of one takes a fraction of that.
// Every test file of every package needs a fresh database, so the migrated (or empty) cluster is
// built once and kept in the OS temp folder, keyed by the PGlite build and the migrations' checksums:
// editing or adding a migration, or upgrading PGlite, builds a new one.
const inProcess = new Map<string, Promise<Blob>>();

export function pgliteSnapshot(migrated: boolean): Promise<Blob> {
  const key = snapshotKey(migrated);
  let snapshot = inProcess.get(key);
  if (!snapshot) {
    snapshot = loadOrBuild(join(tmpdir(), `tradedesk-pglite-${key}.tar`), migrated);
    inProcess.set(key, snapshot);
    snapshot.catch(() => inProcess.delete(key));
  }
  return snapshot;
}

function snapshotKey(migrated: boolean): string {
  const hash = createHash("sha256").update(createRequire(import.meta.url).resolve("@electric-sql/pglite"));
  if (migrated) for (const file of readMigrationFiles()) hash.update(`${file.name}:${file.checksum}\n`);
  return hash.digest("hex").slice(0, 20);
}

async function loadOrBuild(path: string, migrated: boolean): Promise<Blob> {
  if (existsSync(path)) return new Blob([readFileSync(path)]);
  const connection = await openPglite(undefined);
  const db = assembleDatabase(connection, "pglite", "pglite (snapshot)", undefined);
  try {
    if (migrated) await migrate(db);
    const snapshot = await connection.dump();
    // Written aside and renamed: parallel test workers never read a half-written file.
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.from(await snapshot.arrayBuffer()));
    renameSync(partial, path);
    return snapshot;
  } catch (error) {
    rmSync(path, { force: true });
    throw error;
  } finally {
    await db.close();
  }
}
