import { describe, expect, inject, it } from "vitest";
import { migrationStatus } from "../src/index.ts";
import { createTestDatabase } from "../src/testing/index.ts";

describe("createTestDatabase", () => {
  it("gives each caller its own migrated database", async () => {
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    try {
      expect((await migrationStatus(a)).pending).toEqual([]);
      await a.prisma.user.create({ data: { email: "only-in-a@example.com", passwordHash: "x" } });
      expect(await a.prisma.user.count()).toBe(1);
      expect(await b.prisma.user.count()).toBe(0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("seeds on request, and leaves the database empty when migrate is false", async () => {
    const seeded = await createTestDatabase({ seed: true });
    const empty = await createTestDatabase({ migrate: false });
    try {
      expect(await seeded.prisma.user.count()).toBe(2);
      const { pending, applied } = await migrationStatus(empty);
      expect(applied).toEqual([]);
      expect(pending[0]).toBe("20261124100000_init");
    } finally {
      await Promise.all([seeded.close(), empty.close()]);
    }
  });

  it.runIf(inject("testDatabaseUrl"))("uses a fresh schema on PostgreSQL and drops it on close", async () => {
    const db = await createTestDatabase();
    const [{ schema } = { schema: "" }] = await db.prisma.$queryRaw<{ schema: string }[]>`
      SELECT current_schema() AS schema`;
    expect(schema).toMatch(/^test_[0-9a-f]{12}$/);
    await db.close();

    const probe = await createTestDatabase();
    try {
      const left = await probe.prisma.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = ${schema}`;
      expect(left).toEqual([{ n: 0 }]);
    } finally {
      await probe.close();
    }
  });
});
