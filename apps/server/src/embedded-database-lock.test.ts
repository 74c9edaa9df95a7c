import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EmbeddedDatabaseInUseError, lockEmbeddedDatabase } from "./embedded-database-lock.ts";

const dataDir = () => join(mkdtempSync(join(tmpdir(), "tradedesk-lock-")), "pglite");

describe("embedded database lock", () => {
  it("is held while open and released on close", () => {
    const dir = dataDir();
    const release = lockEmbeddedDatabase(dir);
    expect(readFileSync(`${dir}.lock`, "utf8")).toBe(String(process.pid));
    release();
    expect(existsSync(`${dir}.lock`)).toBe(false);
  });

  it("refuses a data directory another running process holds, naming it", () => {
    const dir = dataDir();
    writeFileSync(`${dir}.lock`, String(process.ppid)); // our parent: certainly running
    expect(() => lockEmbeddedDatabase(dir)).toThrow(EmbeddedDatabaseInUseError);
    expect(() => lockEmbeddedDatabase(dir)).toThrow(`in use by process ${process.ppid}`);
  });

  it("takes over a lock left by a process that is gone", () => {
    const dir = dataDir();
    writeFileSync(`${dir}.lock`, "2147483646"); // above any pid Linux hands out
    const release = lockEmbeddedDatabase(dir);
    expect(readFileSync(`${dir}.lock`, "utf8")).toBe(String(process.pid));
    release();
  });
});
