import {
  appendFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { type Database, MigrationError, migrate, migrationStatus, openDatabase } from "../src/index.ts";
import { defaultMigrationsDir, sha256 } from "../src/migrations/migration-files.ts";
import { createTestDatabase } from "../src/testing/index.ts";

const INIT = "20261124100000_init";

let db: Database;
let dir: string;

beforeEach(async () => {
  db = await createTestDatabase({ migrate: false });
  // A scratch migrations folder holding the first of ours, which each test may edit: these tests
  // are about the migrator, not about how many migrations the repository has.
  dir = mkdtempSync(join(tmpdir(), "tradedesk-migrations-"));
  cpSync(join(defaultMigrationsDir, INIT), join(dir, INIT), { recursive: true });
  cpSync(join(defaultMigrationsDir, "migration_lock.toml"), join(dir, "migration_lock.toml"));
});

afterEach(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

function addMigration(name: string, sql: string): void {
  mkdirSync(join(dir, name));
  writeFileSync(join(dir, name, "migration.sql"), sql);
}

interface Row {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
  applied_steps_count: number;
}
const history = () =>
  db.prisma.$queryRawUnsafe<Row[]>(
    "SELECT migration_name, checksum, finished_at, rolled_back_at, logs, applied_steps_count FROM _prisma_migrations ORDER BY started_at, migration_name",
  );
const columnsOf = async (table: string) =>
  (
    await db.prisma.$queryRawUnsafe<{ column_name: string }[]>(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1",
      table,
    )
  ).map((row) => row.column_name);

describe("migrate", () => {
  it("applies the migrations once, recording them as Prisma does; a second run is a no-op", async () => {
    expect(await migrationStatus(db, { migrationsDir: dir })).toEqual({
      pending: [INIT],
      applied: [],
      failed: [],
      modified: [],
    });

    expect(await migrate(db, { migrationsDir: dir })).toEqual({ applied: [INIT], skipped: [], modified: [] });
    const [row] = await history();
    expect(row).toMatchObject({
      migration_name: INIT,
      // Prisma's checksum: sha256 hex of migration.sql
      checksum: sha256(readFileSync(join(dir, INIT, "migration.sql"), "utf8")),
      rolled_back_at: null,
      logs: null,
      applied_steps_count: 1,
    });
    expect(row?.finished_at).toBeInstanceOf(Date);
    expect(await columnsOf("users")).toContain("password_hash");

    expect(await migrate(db, { migrationsDir: dir })).toEqual({ applied: [], skipped: [INIT], modified: [] });
    expect(await history()).toHaveLength(1);
    expect(await migrationStatus(db, { migrationsDir: dir })).toEqual({
      pending: [],
      applied: [INIT],
      failed: [],
      modified: [],
    });
  });

  it("uses the repository's prisma/migrations by default", async () => {
    const ours = readdirSync(defaultMigrationsDir)
      .filter((name) => /^\d{14}_/.test(name))
      .sort();
    expect(ours[0]).toBe(INIT);
    expect((await migrate(db)).applied).toEqual(ours);
  });

  it("applies only the new migration when one is added", async () => {
    await migrate(db, { migrationsDir: dir });
    addMigration("20261124110000_user_nickname", 'ALTER TABLE "users" ADD COLUMN "nickname" TEXT;');

    expect(await migrate(db, { migrationsDir: dir })).toEqual({
      applied: ["20261124110000_user_nickname"],
      skipped: [INIT],
      modified: [],
    });
    expect(await columnsOf("users")).toContain("nickname");
  });

  it("reports a migration edited after it was applied, and does not re-run it", async () => {
    await migrate(db, { migrationsDir: dir });
    appendFileSync(join(dir, INIT, "migration.sql"), '\nALTER TABLE "users" ADD COLUMN "edited" TEXT;\n');

    expect(await migrate(db, { migrationsDir: dir })).toEqual({
      applied: [],
      skipped: [INIT],
      modified: [INIT],
    });
    expect((await migrationStatus(db, { migrationsDir: dir })).modified).toEqual([INIT]);
    expect(await columnsOf("users")).not.toContain("edited");
    expect(await history()).toHaveLength(1);
  });

  it("does not count a change of line endings as an edit", async () => {
    await migrate(db, { migrationsDir: dir });
    const file = join(dir, INIT, "migration.sql");
    writeFileSync(file, readFileSync(file, "utf8").replace(/\n/g, "\r\n"));

    expect((await migrate(db, { migrationsDir: dir })).modified).toEqual([]);
  });

  it("rolls a failing migration back, records the failure, and refuses to go on until it is resolved", async () => {
    await migrate(db, { migrationsDir: dir });
    const broken = "20261124110000_broken";
    addMigration(broken, 'ALTER TABLE "users" ADD COLUMN "half" TEXT;\nSELECT * FROM "no_such_table";\n');
    addMigration("20261124120000_later", 'ALTER TABLE "users" ADD COLUMN "later" TEXT;');

    const failure = await migrate(db, { migrationsDir: dir }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MigrationError);
    expect((failure as Error).message).toMatch(
      new RegExp(`${broken} failed.*no_such_table.*prisma migrate resolve --rolled-back ${broken}`),
    );
    // The statement before the failing one was rolled back with it.
    expect(await columnsOf("users")).not.toContain("half");
    expect((await history()).find((row) => row.migration_name === broken)).toMatchObject({
      finished_at: null,
      rolled_back_at: null,
      logs: expect.stringContaining("no_such_table"),
    });

    // The next start stops with a clear message and applies nothing, not even later migrations.
    const blocked = await migrate(db, { migrationsDir: dir }).catch((error: unknown) => error);
    expect(blocked).toBeInstanceOf(MigrationError);
    expect((blocked as Error).message).toContain(`failed or half-applied migration(s) ${broken}`);
    expect(await columnsOf("users")).not.toContain("later");
    expect(await migrationStatus(db, { migrationsDir: dir })).toEqual({
      pending: ["20261124120000_later"],
      applied: [INIT],
      failed: [broken],
      modified: [],
    });

    // Resolved the way `prisma migrate resolve --rolled-back` does it; the fixed migration then applies.
    await db.prisma.$executeRawUnsafe(
      "UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = $1",
      broken,
    );
    writeFileSync(join(dir, broken, "migration.sql"), 'ALTER TABLE "users" ADD COLUMN "half" TEXT;\n');
    expect((await migrate(db, { migrationsDir: dir })).applied).toEqual([broken, "20261124120000_later"]);
    expect(await columnsOf("users")).toEqual(expect.arrayContaining(["half", "later"]));
  });

  it("stops on a half-applied migration recorded by another tool", async () => {
    await migrate(db, { migrationsDir: dir });
    await db.prisma.$executeRawUnsafe(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ('00000000-0000-4000-8000-000000000001', 'abc', '20261124110000_half', now(), 0)`,
    );
    addMigration("20261124120000_next", 'ALTER TABLE "users" ADD COLUMN "next" TEXT;');

    await expect(migrate(db, { migrationsDir: dir })).rejects.toThrow(
      /failed or half-applied migration\(s\) 20261124110000_half/,
    );
    expect(await columnsOf("users")).not.toContain("next");
  });

  it("says which folder is missing", async () => {
    await expect(migrate(db, { migrationsDir: join(dir, "nope") })).rejects.toThrow(MigrationError);
  });
});

describe.runIf(inject("testDatabaseUrl"))("migrate on PostgreSQL", () => {
  it("serialises concurrent migrators with an advisory lock: each migration is applied once", async () => {
    const url = new URL(inject("testDatabaseUrl"));
    url.searchParams.set("schema", `test_lock_${Date.now().toString(36)}`);
    const [a, b] = await Promise.all([
      openDatabase({ url: url.toString() }),
      openDatabase({ url: url.toString() }),
    ]);
    try {
      const results = await Promise.all([
        migrate(a, { migrationsDir: dir }),
        migrate(b, { migrationsDir: dir }),
      ]);
      expect(results.flatMap((r) => r.applied)).toEqual([INIT]);
      expect(
        await a.prisma.$queryRawUnsafe<{ n: number }[]>("SELECT count(*)::int AS n FROM _prisma_migrations"),
      ).toEqual([{ n: 1 }]);
    } finally {
      await a.prisma.$executeRawUnsafe(`DROP SCHEMA "${url.searchParams.get("schema")}" CASCADE`);
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("reports the migration, not the advisory unlock, when the connection is lost mid-migration", async () => {
    await migrate(db, { migrationsDir: dir });
    const lost = "20261124110000_connection_lost";
    addMigration(lost, "SELECT pg_terminate_backend(pg_backend_pid());");

    const failure = await migrate(db, { migrationsDir: dir }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MigrationError);
    expect((failure as Error).message).toContain(`migration ${lost} failed`);
    // Nothing could be recorded, so there is nothing to resolve.
    expect((failure as Error).message).toContain("Nothing was recorded; fix the cause and start again.");
    // Rolled back by the server with the connection: nothing is applied, the next run is not blocked.
    expect(await migrationStatus(db, { migrationsDir: dir })).toMatchObject({ pending: [lost], failed: [] });
  });
});
