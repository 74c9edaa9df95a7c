import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";

/**
 * Who may read /metrics (it tells anyone how busy the desk is and which traders are active).
 * With a token: `Authorization: Bearer <token>`, from anywhere. Without: only a client on this
 * machine (the local Prometheus), judged by the socket's own address, never by X-Forwarded-For;
 * a request relayed by a local reverse proxy (it carries forwarding headers) is not local.
 */
export function guardMetrics(app: FastifyInstance, token: string | null): void {
  const expected = token === null ? null : digest(token);
  app.addHook("onRequest", async (request, reply) => {
    if (request.url.split("?", 1)[0] !== "/metrics") return;
    if (expected !== null) {
      const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
      if (given !== undefined && timingSafeEqual(digest(given), expected)) return;
      return reply
        .code(401)
        .header("www-authenticate", 'Bearer realm="metrics"')
        .send({ error: "metrics need Authorization: Bearer <METRICS_TOKEN>" });
    }
    const forwarded =
      request.headers["x-forwarded-for"] !== undefined || request.headers.forwarded !== undefined;
    if (isLoopback(request.socket.remoteAddress) && !forwarded) return;
    return reply.code(403).send({ error: "metrics are served to this machine only (or set METRICS_TOKEN)" });
  });
}

/** Equal-length digests, so the comparison takes the same time whatever was sent. */
function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith("::ffff:") ? address.slice("::ffff:".length) : address;
  return v4.startsWith("127.") || address === "::1";
}
