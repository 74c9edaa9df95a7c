import type { IncomingMessage } from "node:http";
import type { AnyRouter, inferRouterContext } from "@trpc/server";
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from "@trpc/server/adapters/fastify";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from "fastify";
import type { Registry } from "prom-client";
import { type Readiness, registerHealth } from "./health.ts";
import { instrumentRequests } from "./metrics.ts";
import { serveWebApp } from "./web-app.ts";

/**
 * The HTTP host: tRPC at /trpc (batched queries and mutations, subscriptions over SSE), health,
 * metrics and, when built, the web app. Knows nothing of the domain: the router and the context
 * factory come in.
 */

export interface HttpServerOptions<TRouter extends AnyRouter> {
  logger: FastifyBaseLogger;
  router: TRouter;
  /**
   * Builds the tRPC context from the caller's credentials: the Authorization header or, for SSE
   * (EventSource cannot set headers), the `token` connection param.
   */
  createContext: (auth: { authorization: string | undefined }) => Promise<inferRouterContext<TRouter>>;
  readiness: () => Promise<Readiness>;
  metrics: Registry;
  webDistDir: string | null;
}

export interface HttpServer {
  fastify: FastifyInstance;
  listen(port: number, host: string): Promise<string>;
  /** Stops taking requests, ends event streams, waits for requests in flight. */
  close(): Promise<void>;
}

/**
 * Requests as logged: an event stream's URL carries the caller's token (connection params), which
 * must never reach the logs.
 */
function requestForLog(request: FastifyRequest) {
  return {
    method: request.method,
    url: request.url.replace(/([?&]connectionParams=)[^&]*/, "$1[redacted]"),
    remoteAddress: request.ip,
  };
}

export async function createHttpServer<TRouter extends AnyRouter>(
  options: HttpServerOptions<TRouter>,
): Promise<HttpServer> {
  const app = Fastify({
    loggerInstance: options.logger.child({}, { serializers: { req: requestForLog } }),
    // Batched tRPC calls carry many inputs in one body.
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: 1000 },
  });

  // Event streams never finish on their own; at shutdown they are ended so close() can finish.
  const eventStreams = new Set<IncomingMessage>();
  app.addHook("onRequest", async (request) => {
    if (request.headers.accept?.includes("text/event-stream")) {
      eventStreams.add(request.raw);
      request.raw.once("close", () => eventStreams.delete(request.raw));
    }
  });
  let shuttingDown = false;
  app.addHook("preClose", async () => {
    shuttingDown = true;
    for (const stream of eventStreams) stream.socket.destroy();
  });
  // A keep-alive connection that answers its last request during shutdown would otherwise stay
  // open, idle, until its keep-alive timeout, and hold close() up with it.
  app.addHook("onSend", async (_request, reply) => {
    if (shuttingDown) reply.header("connection", "close");
  });

  instrumentRequests(app, options.metrics);
  registerHealth(app, options.readiness);

  await app.register(fastifyTRPCPlugin, {
    prefix: "/trpc",
    trpcOptions: {
      router: options.router,
      createContext: ({ req, info }) => {
        const token = info.connectionParams?.token;
        const authorization = req.headers.authorization ?? (token ? `Bearer ${token}` : undefined);
        return options.createContext({ authorization });
      },
      // A rate-limited answer (the exchange's 429 passed on) tells HTTP clients when to retry.
      responseMeta: ({ errors }) => {
        const retryAfterMs = Math.max(0, ...errors.map((error) => retryAfterMsOf(error.cause)));
        return retryAfterMs > 0 ? { headers: { "retry-after": String(Math.ceil(retryAfterMs / 1000)) } } : {};
      },
      onError: ({ error, path }) => {
        // Expected client errors are the client's business; only the server's own are logged loud.
        if (error.code === "INTERNAL_SERVER_ERROR") app.log.error({ err: error, path }, "tRPC error");
        else app.log.debug({ code: error.code, path }, "tRPC client error");
      },
    },
  } satisfies FastifyTRPCPluginOptions<TRouter>);

  if (options.webDistDir) await serveWebApp(app, options.webDistDir);

  let closing: Promise<void> | undefined;
  return {
    fastify: app,
    async listen(port, host) {
      await app.listen({ port, host });
      const address = app.server.address();
      if (address === null || typeof address === "string") throw new Error("server has no TCP address");
      return `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
    },
    close: () => {
      closing ??= app.close();
      return closing;
    },
  };
}

function retryAfterMsOf(cause: unknown): number {
  const value = (cause as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}
