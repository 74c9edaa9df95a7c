import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * Encrypts exchange API keys and secrets at rest with AES-256-GCM.
 *
 * Format: "v1:" + base64(iv | tag | ciphertext). The version prefix lets us rotate the
 * algorithm or key later without guessing what a stored value is.
 */
export interface CredentialsCipher {
  encrypt(plain: string): string;
  decrypt(cipherText: string): string;
}

export class CredentialsCipherError extends Error {
  override readonly name = "CredentialsCipherError";
}

const VERSION = "v1:";
const IV_BYTES = 12; // GCM's recommended nonce size
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export function createCredentialsCipher(keyBase64: string): CredentialsCipher {
  const key = Buffer.from(keyBase64, "base64");
  if (key.length !== KEY_BYTES) {
    // Never echo the key itself, only what is wrong with it.
    throw new CredentialsCipherError(
      `credentials key must be ${KEY_BYTES} bytes of base64 (got ${key.length} bytes)`,
    );
  }

  return {
    encrypt(plain: string): string {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      const tag = cipher.getAuthTag();
      return VERSION + Buffer.concat([iv, tag, body]).toString("base64");
    },

    decrypt(cipherText: string): string {
      if (!cipherText.startsWith(VERSION)) {
        throw new CredentialsCipherError("unknown credentials format (expected v1:)");
      }
      const raw = Buffer.from(cipherText.slice(VERSION.length), "base64");
      if (raw.length < IV_BYTES + TAG_BYTES) {
        throw new CredentialsCipherError("credentials ciphertext is truncated");
      }
      const iv = raw.subarray(0, IV_BYTES);
      const tag = raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
      const body = raw.subarray(IV_BYTES + TAG_BYTES);
      const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
      } catch {
        // GCM authentication failed: wrong key or the stored value was altered.
        throw new CredentialsCipherError("credentials could not be decrypted (wrong key or tampered)");
      }
    },
  };
}
