import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "../src/index.ts";

describe("passwords", () => {
  it("hashes with scrypt in a self-describing format and verifies", async () => {
    const hash = await hashPassword("tradedesk-demo");
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(await verifyPassword("tradedesk-demo", hash)).toBe(true);
    expect(await verifyPassword("tradedesk-demo ", hash)).toBe(false);
    expect(await verifyPassword("", hash)).toBe(false);
  });

  it("salts every hash", async () => {
    const [a, b] = await Promise.all([hashPassword("same"), hashPassword("same")]);
    expect(a).not.toBe(b);
    expect(await verifyPassword("same", b)).toBe(true);
  });

  it("verifies with the parameters stored in the hash", async () => {
    // Produced with N=16384, r=8, p=1 (cheaper parameters than today's)
    const hash = await hashPassword("old");
    const [, , , , salt] = hash.split("$");
    const { scryptSync } = await import("node:crypto");
    const key = scryptSync("old", Buffer.from(salt!, "base64"), 32, { N: 16384, r: 8, p: 1 });
    expect(await verifyPassword("old", `scrypt$16384$8$1$${salt}$${key.toString("base64")}`)).toBe(true);
  });

  it("refuses malformed or tampered hashes instead of throwing", async () => {
    const hash = await hashPassword("pw");
    const parts = hash.split("$");
    for (const bad of [
      "",
      "plain",
      `bcrypt$${parts.slice(1).join("$")}`,
      ["scrypt", "1000", ...parts.slice(2)].join("$"), // N not a power of two
      ["scrypt", String(2 ** 30), ...parts.slice(2)].join("$"), // absurd cost
      [...parts.slice(0, 5), "c2hvcnQ="].join("$"), // truncated hash
    ]) {
      expect(await verifyPassword("pw", bad)).toBe(false);
    }
  });
});
