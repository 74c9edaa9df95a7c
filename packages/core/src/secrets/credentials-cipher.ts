import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/**
 * Encrypts exchange API keys and secrets at rest with AES-256-GCM.
 *
 * Format v2: "v2:" + keyId + ":" + base64(iv | tag | ciphertext), with the value's binding (its
 * account and field) as GCM's additional authenticated data: a value copied to another account's
 * row, or a key swapped with its secret, fails to decrypt instead of signing for the wrong account.
 * keyId names the key (a hash of it, not the key), so several keys can be in use during a rotation.
 * Format v1 ("v1:" + base64(iv | tag | ciphertext), unbound, no key id) is still read.
 */
export interface CredentialsCipher {
  /** Always with the current key, bound to `binding`. */
  encrypt(plain: string, binding: CredentialBinding): string;
  /**
   * With whichever configured key the value names. A v2 value needs the binding it was written
   * with; a v1 value (written before binding existed) is read without one.
   */
  decrypt(cipherText: string, binding?: CredentialBinding): string;
  /** True when the value is not v2 under the current key: re-encrypt it (`rotate`). */
  needsRotation(cipherText: string): boolean;
  /** The value re-encrypted with the current key, bound to `binding`. */
  rotate(cipherText: string, binding: CredentialBinding): string;
}

/** What a stored value belongs to: the exchange account's id and which of its secrets it is. */
export interface CredentialBinding {
  accountId: string;
  field: "apiKey" | "apiSecret";
}

export interface CredentialsCipherOptions {
  /** Keys being retired (base64 of 32 bytes): read, never written with. */
  previousKeys?: readonly string[];
}

export class CredentialsCipherError extends Error {
  override readonly name = "CredentialsCipherError";
}

const V1 = "v1:";
const V2 = "v2:";
const IV_BYTES = 12; // GCM's recommended nonce size
const TAG_BYTES = 16;
const KEY_BYTES = 32;

interface Key {
  id: string;
  bytes: Buffer;
}

function parseKey(keyBase64: string, which: string): Key {
  const bytes = Buffer.from(keyBase64, "base64");
  if (bytes.length !== KEY_BYTES) {
    // Never echo the key itself, only what is wrong with it.
    throw new CredentialsCipherError(
      `${which} must be ${KEY_BYTES} bytes of base64 (got ${bytes.length} bytes)`,
    );
  }
  // 8 bytes of a hash: enough to tell keys apart, useless for finding the key.
  const id = createHash("sha256").update("tradedesk credentials key id").update(bytes).digest("hex");
  return { id: id.slice(0, 16), bytes };
}

function aad(binding: CredentialBinding): Buffer {
  return Buffer.from(JSON.stringify(["exchange-account", binding.accountId, binding.field]), "utf8");
}

export function createCredentialsCipher(
  keyBase64: string,
  options: CredentialsCipherOptions = {},
): CredentialsCipher {
  const current = parseKey(keyBase64, "credentials key");
  const keys = [
    current,
    ...(options.previousKeys ?? []).map((key, index) =>
      parseKey(key, `previous credentials key ${index + 1}`),
    ),
  ];

  function open(raw: Buffer, key: Buffer, binding: CredentialBinding | null): string | null {
    if (raw.length < IV_BYTES + TAG_BYTES) {
      throw new CredentialsCipherError("credentials ciphertext is truncated");
    }
    const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    if (binding) decipher.setAAD(aad(binding));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
        "utf8",
      );
    } catch {
      return null; // GCM authentication failed
    }
  }

  const failed = () =>
    new CredentialsCipherError("credentials could not be decrypted (wrong key, wrong account or tampered)");

  const cipher: CredentialsCipher = {
    encrypt(plain, binding) {
      const iv = randomBytes(IV_BYTES);
      const gcm = createCipheriv("aes-256-gcm", current.bytes, iv);
      gcm.setAAD(aad(binding));
      const body = Buffer.concat([gcm.update(plain, "utf8"), gcm.final()]);
      return `${V2}${current.id}:${Buffer.concat([iv, gcm.getAuthTag(), body]).toString("base64")}`;
    },

    decrypt(cipherText, binding) {
      if (cipherText.startsWith(V2)) {
        const separator = cipherText.indexOf(":", V2.length);
        if (separator < 0) throw new CredentialsCipherError("credentials value has no key id");
        const keyId = cipherText.slice(V2.length, separator);
        const key = keys.find((candidate) => candidate.id === keyId);
        if (!key) {
          throw new CredentialsCipherError(
            "credentials were written with a key that is not configured (add it to the previous keys)",
          );
        }
        if (!binding) throw new CredentialsCipherError("bound credentials need the account they belong to");
        const plain = open(Buffer.from(cipherText.slice(separator + 1), "base64"), key.bytes, binding);
        if (plain === null) throw failed();
        return plain;
      }
      if (cipherText.startsWith(V1)) {
        // v1 names no key: try each, current first.
        const raw = Buffer.from(cipherText.slice(V1.length), "base64");
        for (const key of keys) {
          const plain = open(raw, key.bytes, null);
          if (plain !== null) return plain;
        }
        throw failed();
      }
      throw new CredentialsCipherError("unknown credentials format (expected v1: or v2:)");
    },

    needsRotation(cipherText) {
      return !cipherText.startsWith(`${V2}${current.id}:`);
    },

    rotate(cipherText, binding) {
      return cipher.encrypt(cipher.decrypt(cipherText, binding), binding);
    },
  };
  return cipher;
}
