import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

/**
 * Serves the built web app from the same origin as the API, so one process is the whole product.
 * Unknown GET paths that are not API paths get index.html (the SPA routes on the client).
 */
export async function serveWebApp(app: FastifyInstance, distDir: string): Promise<void> {
  await app.register(fastifyStatic, { root: distDir, wildcard: false });
  app.setNotFoundHandler((request, reply) => {
    const isApi = request.url.startsWith("/trpc") || request.url === "/metrics";
    if (request.method === "GET" && !isApi && request.headers.accept?.includes("text/html")) {
      return reply.sendFile("index.html");
    }
    return reply.code(404).send({ error: "Not Found" });
  });
}
