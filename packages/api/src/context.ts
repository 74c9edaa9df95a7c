import type { TradingDesk } from "@tradedesk/core";
import { bearerToken, type JwtSecret, jwtKey, verifyToken } from "./auth/token.ts";
import { type ApiGuard, UNLIMITED_GUARD } from "./security/guard.ts";

export interface AuthenticatedUser {
  id: string;
  role: "TRADER" | "ADMIN";
}

export interface Context {
  desk: TradingDesk;
  /** Signs tokens on login; verified ones become `user`. */
  jwtKey: Uint8Array;
  /**
   * From a verified token whose user still exists, never from input; null otherwise (a deleted
   * user's token stops working at once, not when it expires).
   */
  user: AuthenticatedUser | null;
  /** The client's address (login limits); null for in-process callers. */
  clientAddress: string | null;
  guard: ApiGuard;
  /**
   * The browser's session cookie (httpOnly, SameSite=Strict), set by the HTTP host; absent for
   * in-process callers (scripts, tests), which use the bearer token login returns.
   */
  sessionCookie: SessionCookie | null;
}

/** Set at sign-in, cleared at sign-out; the host knows how (name, flags, expiry). */
export interface SessionCookie {
  set(token: string): void;
  clear(): void;
}

export interface CreateContextOptions {
  desk: TradingDesk;
  jwtSecret: JwtSecret;
  /** The raw `Authorization` header value, if any. */
  authorization?: string | null;
  clientAddress?: string | null;
  /** Abuse limits; default none (in-process callers: scripts, tests). The server passes its own. */
  guard?: ApiGuard;
  sessionCookie?: SessionCookie | null;
}

export async function createContext(options: CreateContextOptions): Promise<Context> {
  const key = jwtKey(options.jwtSecret);
  const token = bearerToken(options.authorization);
  const claims = token ? await verifyToken(key, token) : null;
  const user = claims ? await options.desk.users.get(claims.userId) : null;
  return {
    desk: options.desk,
    jwtKey: key,
    user: user ? { id: user.id, role: user.role } : null,
    clientAddress: options.clientAddress ?? null,
    guard: options.guard ?? UNLIMITED_GUARD,
    sessionCookie: options.sessionCookie ?? null,
  };
}

/** For the server: derive the key once, then build a context per request from its header. */
export function createAppContextFactory(options: {
  desk: TradingDesk;
  jwtSecret: JwtSecret;
  guard?: ApiGuard;
}) {
  const key = jwtKey(options.jwtSecret);
  return (
    authorization: string | null | undefined,
    clientAddress?: string | null,
    sessionCookie?: SessionCookie | null,
  ) =>
    createContext({
      desk: options.desk,
      jwtSecret: key,
      authorization,
      clientAddress: clientAddress ?? null,
      ...(options.guard ? { guard: options.guard } : {}),
      ...(sessionCookie ? { sessionCookie } : {}),
    });
}
