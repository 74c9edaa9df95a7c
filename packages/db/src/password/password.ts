import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";

// OWASP's scrypt baseline (N=2^17, r=8, p=1) needs 128 MiB per hash; N=2^15 (32 MiB) keeps
// logins quick on small machines while staying far from brute-forceable. The parameters are
// stored in the hash, so raising them later does not invalidate existing hashes.
const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

function derive(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFKC"), salt, keyLength, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

const maxmem = (n: number, r: number) => 128 * n * r * 2;

/** scrypt hash in a self-describing format: scrypt$N$r$p$saltBase64$hashBase64. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const hash = await derive(password, salt, KEY_LENGTH, { N, r: R, p: P, maxmem: maxmem(N, R) });
  return ["scrypt", N, R, P, salt.toString("base64"), hash.toString("base64")].join("$");
}

/** True when password matches; false for a wrong password or a hash we cannot read. Constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4] ?? "", "base64");
  const expected = Buffer.from(parts[5] ?? "", "base64");
  const valid = [n, r, p].every(Number.isSafeInteger) && n > 1 && (n & (n - 1)) === 0 && r > 0 && p > 0;
  // Refuse absurd parameters from a tampered hash instead of burning memory and CPU on them.
  if (!valid || n > 2 ** 20 || r > 32 || p > 16 || expected.length < 16 || salt.length === 0) return false;
  const actual = await derive(password, salt, expected.length, { N: n, r, p, maxmem: maxmem(n, r) });
  return timingSafeEqual(actual, expected);
}
