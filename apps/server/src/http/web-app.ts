import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

/** Vite names every file under assets/ by its content hash: a new build is new URLs. */
const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * Serves the built web app from the same origin as the API, so one process is the whole product.
 * Unknown GET paths that are not API paths get index.html (the SPA routes on the client).
 */
export async function serveWebApp(app: FastifyInstance, distDir: string): Promise<void> {
  await app.register(fastifyStatic, {
    root: distDir,
    wildcard: false,
    // Source maps give the whole client source to anyone; a build that still has them (an old
    // one, a debug one) must not serve them.
    allowedPath: (pathName) => !pathName.endsWith(".map"),
    cacheControl: false,
    setHeaders: (response, path) => {
      // index.html names the current hashed assets: always revalidated, so a deploy shows at once.
      response.setHeader("cache-control", /[\\/]assets[\\/]/.test(path) ? IMMUTABLE : "no-cache");
    },
  });
  app.setNotFoundHandler((request, reply) => {
    const isApi = request.url.startsWith("/trpc") || request.url === "/metrics";
    const isSourceMap = request.url.split("?", 1)[0]?.endsWith(".map") ?? false;
    if (request.method === "GET" && !isApi && !isSourceMap && request.headers.accept?.includes("text/html")) {
      return reply.sendFile("index.html");
    }
    return reply.code(404).send({ error: "Not Found" });
  });
}
