import { createCipheriv, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  type CredentialBinding,
  CredentialsCipherError,
  createCredentialsCipher,
} from "./credentials-cipher.ts";

const key = randomBytes(32).toString("base64");
const secret = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";
const account: CredentialBinding = { accountId: "5b1e6a52-3f0e-4c1e-9d61-0c8f2b7e4a10", field: "apiSecret" };

/** A value as the first version wrote it (no binding, no key id). */
function v1(plain: string, keyBase64: string): string {
  const iv = randomBytes(12);
  const gcm = createCipheriv("aes-256-gcm", Buffer.from(keyBase64, "base64"), iv);
  const body = Buffer.concat([gcm.update(plain, "utf8"), gcm.final()]);
  return `v1:${Buffer.concat([iv, gcm.getAuthTag(), body]).toString("base64")}`;
}

describe("createCredentialsCipher", () => {
  it("round-trips a secret", () => {
    const cipher = createCredentialsCipher(key);
    expect(cipher.decrypt(cipher.encrypt(secret, account), account)).toBe(secret);
    expect(cipher.decrypt(cipher.encrypt("", account), account)).toBe("");
    expect(cipher.decrypt(cipher.encrypt("ключ 🔑", account), account)).toBe("ключ 🔑");
  });

  it("uses a fresh IV each time, so equal secrets give different ciphertexts", () => {
    const cipher = createCredentialsCipher(key);
    expect(cipher.encrypt(secret, account)).not.toBe(cipher.encrypt(secret, account));
  });

  it("never contains the plaintext, in any common encoding", () => {
    const stored = createCredentialsCipher(key).encrypt(secret, account);
    expect(stored).toMatch(/^v2:[0-9a-f]{16}:/);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(Buffer.from(secret).toString("base64").slice(0, 16));
    const raw = Buffer.from(stored.split(":")[2] ?? "", "base64");
    expect(raw.includes(Buffer.from(secret))).toBe(false);
    expect(raw.includes(Buffer.from(secret.slice(0, 8)))).toBe(false);
  });

  it("binds a value to its account and field: copied to another, it does not decrypt", () => {
    const cipher = createCredentialsCipher(key);
    const stored = cipher.encrypt(secret, account);
    const otherAccount = { ...account, accountId: "0d6f4c1e-9a2b-4f7e-8c3d-1e2f3a4b5c6d" };
    expect(() => cipher.decrypt(stored, otherAccount)).toThrow(/wrong account/);
    expect(() => cipher.decrypt(stored, { ...account, field: "apiKey" })).toThrow(CredentialsCipherError);
    expect(() => cipher.decrypt(stored)).toThrow(/need the account/);
  });

  it("detects tampering with the ciphertext, the tag or the IV", () => {
    const cipher = createCredentialsCipher(key);
    const [version, keyId, body] = cipher.encrypt(secret, account).split(":");
    const raw = Buffer.from(body ?? "", "base64");
    for (const index of [0, 12, raw.length - 1]) {
      const altered = Buffer.from(raw);
      altered[index] = (altered[index] ?? 0) ^ 0x01;
      expect(() => cipher.decrypt(`${version}:${keyId}:${altered.toString("base64")}`, account)).toThrow(
        CredentialsCipherError,
      );
    }
  });

  it("refuses to decrypt with the wrong key", () => {
    const stored = createCredentialsCipher(key).encrypt(secret, account);
    const other = createCredentialsCipher(randomBytes(32).toString("base64"));
    expect(() => other.decrypt(stored, account)).toThrow(/not configured/);
    expect(() => other.decrypt(v1(secret, key))).toThrow(/wrong key/);
  });

  it("rotates keys: values under the previous key (v1 or v2) are read, new ones use the new key", () => {
    const oldKey = randomBytes(32).toString("base64");
    const newKey = randomBytes(32).toString("base64");
    const before = createCredentialsCipher(oldKey);
    const oldV2 = before.encrypt(secret, account);
    const oldV1 = v1(secret, oldKey);

    const after = createCredentialsCipher(newKey, { previousKeys: [oldKey] });
    expect(after.decrypt(oldV2, account)).toBe(secret);
    expect(after.decrypt(oldV1)).toBe(secret);
    expect(after.needsRotation(oldV2)).toBe(true);
    expect(after.needsRotation(oldV1)).toBe(true);

    const rotated = after.rotate(oldV1, account);
    expect(after.needsRotation(rotated)).toBe(false);
    // Written with the new key only: readable once the old key is retired, not before it was added.
    expect(createCredentialsCipher(newKey).decrypt(rotated, account)).toBe(secret);
    expect(() => before.decrypt(rotated, account)).toThrow(CredentialsCipherError);
  });

  it("rejects malformed input and keys of the wrong size, without echoing them", () => {
    const cipher = createCredentialsCipher(key);
    expect(() => cipher.decrypt(secret)).toThrow(/unknown credentials format/);
    expect(() => cipher.decrypt("v1:AAAA")).toThrow(/truncated/);
    const shortKey = randomBytes(16).toString("base64");
    expect(() => createCredentialsCipher(shortKey)).toThrow(/32 bytes/);
    expect(() => createCredentialsCipher(key, { previousKeys: [shortKey] })).toThrow(
      /previous credentials key 1/,
    );
    try {
      createCredentialsCipher(shortKey);
    } catch (error) {
      expect(String(error)).not.toContain(shortKey);
    }
  });
});
