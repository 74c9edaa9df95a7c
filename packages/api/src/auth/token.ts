import { errors, jwtVerify, SignJWT } from "jose";

/** Sessions last a trading day; the web app logs in again after that. */
export const TOKEN_TTL_SECONDS = 12 * 60 * 60;
const ALGORITHM = "HS256";
const MIN_SECRET_BYTES = 32;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type JwtSecret = Uint8Array | string;

export interface TokenClaims {
  userId: string;
  expiresAt: Date;
}

export function jwtKey(secret: JwtSecret): Uint8Array {
  const key = typeof secret === "string" ? new TextEncoder().encode(secret) : secret;
  // HS256 with a short secret is brute-forceable offline from any issued token.
  if (key.byteLength < MIN_SECRET_BYTES) {
    throw new Error(`the JWT secret must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  return key;
}

export async function signToken(key: Uint8Array, userId: string, now = new Date()): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: ALGORITHM })
    .setSubject(userId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + TOKEN_TTL_SECONDS)
    .sign(key);
}

/** null for anything that is not a valid, unexpired token of ours. */
export async function verifyToken(key: Uint8Array, token: string): Promise<TokenClaims | null> {
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: [ALGORITHM] });
    // A subject that is not one of our ids (a UUID) is no user of ours: refused here, before it
    // reaches a database query that would fail on it.
    if (typeof payload.sub !== "string" || !UUID.test(payload.sub) || typeof payload.exp !== "number") {
      return null;
    }
    return { userId: payload.sub, expiresAt: new Date(payload.exp * 1000) };
  } catch (error) {
    if (error instanceof errors.JOSEError) return null;
    throw error;
  }
}

/** The token from an `Authorization: Bearer <jwt>` header value; null if absent or malformed. */
export function bearerToken(authorization: string | null | undefined): string | null {
  if (!authorization) return null;
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(authorization.trim());
  return match?.[1] ?? null;
}
