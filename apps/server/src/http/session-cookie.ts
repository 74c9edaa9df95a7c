import { TOKEN_TTL_SECONDS } from "@tradedesk/api";
import type { FastifyReply, FastifyRequest } from "fastify";

/**
 * The browser's session: the login token in an httpOnly cookie, so every tab of the browser shares
 * one sign-in and page scripts (an XSS) cannot read the token. SameSite=Strict: no other site's
 * page can make the browser send it (CSRF; README: Security). Scoped to /trpc, the only path
 * that reads it.
 */
export const SESSION_COOKIE = "tradedesk_session";
const COOKIE_PATH = "/trpc";

/** The session cookie's value from a Cookie header; null when absent. */
export function sessionTokenFrom(cookieHeader: string | undefined): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return value === "" ? null : value;
    }
  }
  return null;
}

function serialize(request: FastifyRequest, value: string, maxAgeS: number): string {
  // Secure whenever the page came over https (behind a proxy: per trustProxy's X-Forwarded-Proto);
  // plain http on localhost in development would otherwise never get the cookie back.
  const secure = request.protocol === "https" ? "; Secure" : "";
  return `${SESSION_COOKIE}=${value}; Path=${COOKIE_PATH}; Max-Age=${maxAgeS}; HttpOnly; SameSite=Strict${secure}`;
}

/** What the tRPC context calls at sign-in and sign-out. */
export function sessionCookieFor(request: FastifyRequest, reply: FastifyReply) {
  return {
    // JWTs are base64url and dots: nothing a cookie value has to escape.
    set: (token: string) => void reply.header("set-cookie", serialize(request, token, TOKEN_TTL_SECONDS)),
    clear: () => void reply.header("set-cookie", serialize(request, "", 0)),
  };
}
