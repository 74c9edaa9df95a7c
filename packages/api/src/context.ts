import type { TradingDesk } from "@tradedesk/core";
import { bearerToken, type JwtSecret, jwtKey, verifyToken } from "./auth/token.ts";

export interface AuthenticatedUser {
  id: string;
}

export interface Context {
  desk: TradingDesk;
  /** Signs tokens on login; verified ones become `user`. */
  jwtKey: Uint8Array;
  /** From the bearer token, never from input. */
  user: AuthenticatedUser | null;
}

export interface CreateContextOptions {
  desk: TradingDesk;
  jwtSecret: JwtSecret;
  /** The raw `Authorization` header value, if any. */
  authorization?: string | null;
}

export async function createContext(options: CreateContextOptions): Promise<Context> {
  const key = jwtKey(options.jwtSecret);
  const token = bearerToken(options.authorization);
  const claims = token ? await verifyToken(key, token) : null;
  return { desk: options.desk, jwtKey: key, user: claims ? { id: claims.userId } : null };
}

/** For the server: derive the key once, then build a context per request from its header. */
export function createAppContextFactory(options: { desk: TradingDesk; jwtSecret: JwtSecret }) {
  const key = jwtKey(options.jwtSecret);
  return (authorization: string | null | undefined) =>
    createContext({ desk: options.desk, jwtSecret: key, authorization });
}
