import type { FastifyInstance } from "fastify";

export type Readiness = { ready: true } | { ready: false; reason: string };

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
    if (result.ready) return { status: "ready" };
    return reply.code(503).send({ status: "not ready", reason: result.reason });
  });
}
