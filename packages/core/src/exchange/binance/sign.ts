import { createHmac, timingSafeEqual } from "node:crypto";

/** Binance's HMAC-SHA256 request signature: hex digest of the exact query string sent, keyed by the secret. */
export function signQuery(query: string, secret: string): string {
  return createHmac("sha256", secret).update(query, "utf8").digest("hex");
}

/** Constant-time check of a signature (Binance treats it case-insensitively). */
export function verifySignature(query: string, secret: string, signature: string): boolean {
  const expected = Buffer.from(signQuery(query, secret), "utf8");
  const given = Buffer.from(signature.toLowerCase(), "utf8");
  return expected.length === given.length && timingSafeEqual(expected, given);
}
