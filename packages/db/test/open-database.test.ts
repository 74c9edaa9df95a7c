import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Database, DatabaseConfigError, maskUrl, migrate, openDatabase } from "../src/index.ts";
import { createTestDatabase } from "../src/testing/index.ts";

async function configError(url: string): Promise<DatabaseConfigError> {
  const error = await openDatabase({ url, role: "DATABASE_URL" }).then(
    async (db) => {
      await db.close();
      throw new Error(`opened ${url}`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatabaseConfigError);
  return error as DatabaseConfigError;
}

describe("bad configuration", () => {
  it("names the setting and masks the password when the server cannot be reached", async () => {
    const error = await configError("postgres://trader:s3cret@127.0.0.1:1/tradedesk");
    expect(error.message).toBe(
      "cannot connect to DATABASE_URL postgres://trader:****@127.0.0.1:1/tradedesk: connect ECONNREFUSED 127.0.0.1:1",
    );
  });

  it("rejects a malformed URL without echoing its password", async () => {
    const error = await configError("postgresql://trader:s3cret@localhost:99999/tradedesk");
    expect(error.message).toBe(
      "DATABASE_URL postgresql://trader:****@localhost:99999/tradedesk is not a valid URL",
    );
  });

  it("rejects a URL without a host and an unsupported scheme", async () => {
    expect((await configError("postgres://")).message).toBe("DATABASE_URL postgres:// names no host");
    expect((await configError("mysql://root:pw@127.0.0.1/db")).message).toBe(
      "DATABASE_URL mysql://root:****@127.0.0.1/db is not supported: use postgres://, postgresql://, file:<dir> or memory://",
    );
  });

  it("refuses a mistyped URL instead of taking it for an embedded database folder", async () => {
    for (const url of ["postgres:/127.0.0.1/tradedesk", "postgresql:127.0.0.1/tradedesk", "memory:"]) {
      expect((await configError(url)).message).toBe(
        `DATABASE_URL ${url} is not supported: use postgres://, postgresql://, file:<dir> or memory://`,
      );
    }
    expect((await configError("postgres:/u:s3cret@127.0.0.1/db")).message).not.toContain("s3cret");
  });

  it("reports an embedded database directory that cannot be created", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tradedesk-db-"));
    writeFileSync(join(dir, "a-file"), "");
    try {
      const error = await configError(`file:${join(dir, "a-file", "pglite")}`);
      expect(error.message).toMatch(/^cannot open embedded database for DATABASE_URL at .*a-file\/pglite: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("masks passwords for logs", () => {
    expect(maskUrl("postgres://u:p%40ss@db.internal:5432/x?sslmode=require")).toBe(
      "postgres://u:****@db.internal:5432/x?sslmode=require",
    );
    expect(maskUrl("postgres://u@db/x")).toBe("postgres://u@db/x");
  });
});

// Initialising a PGlite cluster on disk is the slowest thing here (seconds; far more on a busy
// machine), so it is done once, in a hook, and both tests below reuse that folder.
describe("embedded database on disk", () => {
  let dir: string;
  let dataDir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tradedesk-db-"));
    dataDir = join(dir, "pglite");
    const fresh = await openDatabase({ url: `file:${dataDir}` });
    expect(fresh).toMatchObject({ provider: "pglite", describe: `pglite (${dataDir})` });
    await migrate(fresh);
    await fresh.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps its data across a restart, in a directory given as file:<dir> or a plain path", async () => {
    const first = await openDatabase({ url: `file:${dataDir}` });
    expect((await migrate(first)).applied).toEqual([]);
    await first.prisma.user.create({ data: { email: "kept@example.com", passwordHash: "x" } });
    await first.close();

    const second = await openDatabase({ url: dataDir });
    try {
      expect((await migrate(second)).applied).toEqual([]);
      expect(await second.prisma.user.count({ where: { email: "kept@example.com" } })).toBe(1);
    } finally {
      await second.close();
    }
  });

  it("refuses a second opener while the folder is in use, and takes over a dead owner's lock", async () => {
    const first = await openDatabase({ url: `file:${dataDir}` });
    const error = await configError(`file:${dataDir}`);
    expect(error.message).toBe(
      `cannot open embedded database for DATABASE_URL at ${dataDir}: it is in use by process ${process.pid}; stop that first (lock file ${dataDir}.lock)`,
    );
    await first.close();

    const deadPid = spawnSync(process.execPath, ["-e", ""]).pid;
    writeFileSync(`${dataDir}.lock`, String(deadPid));
    const second = await openDatabase({ url: `file:${dataDir}` });
    expect(readFileSync(`${dataDir}.lock`, "utf8")).toBe(String(process.pid));
    await second.close();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });
});

describe("the statement hook", () => {
  const seen: string[] = [];
  const params: (readonly unknown[])[] = [];
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase({
      onQuery: (sql, values) => {
        seen.push(sql);
        params.push(values);
      },
    });
  });
  afterAll(() => db.close());

  it("sees nothing of the test database's own setup", () => {
    expect(seen).toEqual([]);
  });

  it("sees each statement of a plain query", async () => {
    seen.length = 0;
    await db.prisma.user.findMany({ where: { email: "nobody@example.com" } });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^SELECT .* FROM "\w+"\."users" WHERE/);
  });

  it("sees the values bound to a statement's parameters, none for BEGIN and COMMIT", async () => {
    seen.length = 0;
    params.length = 0;
    const since = new Date("2026-01-02T03:04:05.678Z");
    await db.prisma.$transaction([
      db.prisma.order.findMany({ where: { symbol: "ETHUSDT", createdAt: { gte: since } } }),
      db.prisma.user.count(),
    ]);
    expect(params[0]).toEqual([]);
    expect(params.at(-1)).toEqual([]);
    // As Prisma hands them to the driver: what EXPLAIN of the same statement needs.
    expect(params[1]).toEqual(expect.arrayContaining(["ETHUSDT", since]));
    const order = seen[1]!;
    expect(order.match(/\$\d+/g)?.length).toBe(params[1]!.length);
  });

  it("sees BEGIN and COMMIT of an interactive transaction", async () => {
    seen.length = 0;
    await db.prisma.$transaction(async (tx) => {
      await tx.user.count();
      await tx.position.count();
    });
    expect(seen).toHaveLength(4);
    expect(seen[0]).toBe("BEGIN");
    expect(seen[3]).toBe("COMMIT");
  });

  it("sees ROLLBACK when a transaction fails, and the data is not written", async () => {
    seen.length = 0;
    await expect(
      db.prisma.$transaction(async (tx) => {
        await tx.user.create({ data: { email: "rolled-back@example.com", passwordHash: "x" } });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(seen[0]).toBe("BEGIN");
    expect(seen.at(-1)).toBe("ROLLBACK");
    expect(await db.prisma.user.count({ where: { email: "rolled-back@example.com" } })).toBe(0);
  });

  it("sees a batch transaction as BEGIN, its statements, COMMIT", async () => {
    seen.length = 0;
    await db.prisma.$transaction([db.prisma.user.count(), db.prisma.order.count()]);
    expect(seen).toEqual([
      "BEGIN",
      expect.stringContaining("users"),
      expect.stringContaining("orders"),
      "COMMIT",
    ]);
  });
});

describe.runIf(inject("testDatabaseUrl"))("PostgreSQL", () => {
  it("describes itself with the password masked", async () => {
    const url = new URL(inject("testDatabaseUrl"));
    url.password = "not-needed-by-trust-auth";
    const db = await openDatabase({ url: url.toString() });
    try {
      expect(db.provider).toBe("postgresql");
      expect(db.describe).toContain(":****@");
      expect(db.describe).not.toContain("not-needed");
    } finally {
      await db.close();
    }
  });
});
