import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CredentialsCipherError, createCredentialsCipher } from "./credentials-cipher.ts";

const key = randomBytes(32).toString("base64");
const secret = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";

describe("createCredentialsCipher", () => {
  it("round-trips a secret", () => {
    const cipher = createCredentialsCipher(key);
    expect(cipher.decrypt(cipher.encrypt(secret))).toBe(secret);
    expect(cipher.decrypt(cipher.encrypt(""))).toBe("");
    expect(cipher.decrypt(cipher.encrypt("ключ 🔑"))).toBe("ключ 🔑");
  });

  it("uses a fresh IV each time, so equal secrets give different ciphertexts", () => {
    const cipher = createCredentialsCipher(key);
    expect(cipher.encrypt(secret)).not.toBe(cipher.encrypt(secret));
  });

  it("never contains the plaintext, in any common encoding", () => {
    const stored = createCredentialsCipher(key).encrypt(secret);
    expect(stored.startsWith("v1:")).toBe(true);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(Buffer.from(secret).toString("base64").slice(0, 16));
    const raw = Buffer.from(stored.slice(3), "base64");
    expect(raw.includes(Buffer.from(secret))).toBe(false);
    expect(raw.includes(Buffer.from(secret.slice(0, 8)))).toBe(false);
  });

  it("detects tampering with the ciphertext, the tag or the IV", () => {
    const cipher = createCredentialsCipher(key);
    const raw = Buffer.from(cipher.encrypt(secret).slice(3), "base64");
    for (const index of [0, 12, raw.length - 1]) {
      const altered = Buffer.from(raw);
      altered[index] = (altered[index] ?? 0) ^ 0x01;
      expect(() => cipher.decrypt(`v1:${altered.toString("base64")}`)).toThrow(CredentialsCipherError);
    }
  });

  it("refuses to decrypt with the wrong key", () => {
    const stored = createCredentialsCipher(key).encrypt(secret);
    const other = createCredentialsCipher(randomBytes(32).toString("base64"));
    expect(() => other.decrypt(stored)).toThrow(/wrong key or tampered/);
  });

  it("rejects malformed input and keys of the wrong size, without echoing them", () => {
    const cipher = createCredentialsCipher(key);
    expect(() => cipher.decrypt(secret)).toThrow(/unknown credentials format/);
    expect(() => cipher.decrypt("v1:AAAA")).toThrow(/truncated/);
    const shortKey = randomBytes(16).toString("base64");
    expect(() => createCredentialsCipher(shortKey)).toThrow(/32 bytes/);
    try {
      createCredentialsCipher(shortKey);
    } catch (error) {
      expect(String(error)).not.toContain(shortKey);
    }
  });
});
