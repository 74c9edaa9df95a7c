import type { FastifyInstance } from "fastify";

/** `checks`: each shared part's state ("database": "up", "bus": "down"...), shown either way. */
export type Readiness =
  | { ready: true; checks?: Record<string, string> }
  | { ready: false; reason: string; checks?: Record<string, string> };

/**
 * /healthz: the process answers. /readyz: it can serve traffic (database reachable, migrations
 * applied); load balancers route by it, so a failing check is 503 with the reason.
 */
export function registerHealth(app: FastifyInstance, readiness: () => Promise<Readiness>): void {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    let result: Readiness;
    try {
      result = await readiness();
    } catch (error) {
      result = { ready: false, reason: error instanceof Error ? error.message : String(error) };
    }
    const checks = result.checks ? { checks: result.checks } : {};
    if (result.ready) return { status: "ready", ...checks };
    return reply.code(503).send({ status: "not ready", reason: result.reason, ...checks });
  });
}
