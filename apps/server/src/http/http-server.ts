import type { IncomingMessage } from "node:http";
import helmet from "@fastify/helmet";
import type { AnyRouter, inferRouterContext } from "@trpc/server";
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from "@trpc/server/adapters/fastify";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from "fastify";
import type { Registry } from "prom-client";
import { type Readiness, registerHealth } from "./health.ts";
import { instrumentRequests } from "./metrics.ts";
import { guardMetrics } from "./metrics-access.ts";
import { redactUrl } from "./redact.ts";
import { sessionCookieFor, sessionTokenFrom } from "./session-cookie.ts";
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
   * Builds the tRPC context from the caller's credentials: the Authorization header, for SSE
   * (EventSource cannot set headers) the `token` connection param, else the browser's session
   * cookie; the client's address; and the session cookie's setter (login, logout).
   */
  createContext: (auth: {
    authorization: string | undefined;
    clientAddress: string;
    sessionCookie: { set(token: string): void; clear(): void };
  }) => Promise<inferRouterContext<TRouter>>;
  readiness: () => Promise<Readiness>;
  metrics: Registry;
  webDistDir: string | null;
  /** Set: /metrics needs it as a bearer token; null: /metrics answers loopback clients only. */
  metricsToken?: string | null;
  /** fastify's trustProxy: which proxies' X-Forwarded-For names the client. Default: none. */
  trustProxy?: boolean | string[];
}

/**
 * Calls in one batched request. The web app batches a handful; without a bound, one request of 90
 * sign-ins held the password hashing for a minute.
 */
export const MAX_BATCH_SIZE = 16;

/**
 * The dashboard's Content Security Policy: its own scripts, styles and API only (React sets styles
 * through the DOM, which CSP allows), never framed, so its order and close buttons cannot be
 * clicked through someone else's page.
 */
const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "data:"],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  // Not set: over plain http on localhost it would send the dashboard's requests to https.
  upgradeInsecureRequests: null,
};

export interface HttpServer {
  fastify: FastifyInstance;
  listen(port: number, host: string): Promise<string>;
  /** Stops taking requests, ends event streams, waits for requests in flight. */
  close(): Promise<void>;
}

/** Requests as logged: tokens in URLs (an event stream's connection params, or any) redacted. */
function requestForLog(request: FastifyRequest) {
  return { method: request.method, url: redactUrl(request.url), remoteAddress: request.ip };
}

export async function createHttpServer<TRouter extends AnyRouter>(
  options: HttpServerOptions<TRouter>,
): Promise<HttpServer> {
  const app = Fastify({
    loggerInstance: options.logger.child({}, { serializers: { req: requestForLog } }),
    // Batched tRPC calls carry many inputs in one body.
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: 1000 },
    trustProxy: options.trustProxy ?? false,
  });

  // Event streams never finish on their own; at shutdown they are ended so close() can finish.
  // Known by the procedure they call (a subscription), not by request headers, which the client
  // chooses: a stream opened without `Accept: text/event-stream` is a stream all the same.
  const eventStreams = new Set<IncomingMessage>();
  const trackStream = (raw: IncomingMessage) => {
    eventStreams.add(raw);
    raw.once("close", () => eventStreams.delete(raw));
  };
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

  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    referrerPolicy: { policy: "no-referrer" },
    frameguard: { action: "deny" }, // for browsers that predate frame-ancestors
    // The dashboard loads nothing cross-origin; COEP would only get in the way of nothing.
    crossOriginEmbedderPolicy: false,
  });
  guardMetrics(app, options.metricsToken ?? null);
  instrumentRequests(app, options.metrics);
  registerHealth(app, options.readiness);

  await app.register(fastifyTRPCPlugin, {
    prefix: "/trpc",
    trpcOptions: {
      router: options.router,
      maxBatchSize: MAX_BATCH_SIZE,
      createContext: ({ req, res, info }) => {
        // The connection param is for EventSource, which cannot send headers: event streams only.
        // Anywhere else a token in the URL ends up in logs, proxies and browser history.
        const subscription = info.type === "subscription";
        if (subscription) trackStream(req.raw);
        const token = subscription ? info.connectionParams?.token : undefined;
        // A script's explicit header wins over a cookie the same client may also carry.
        const sessionToken = token ?? sessionTokenFrom(req.headers.cookie);
        const authorization =
          req.headers.authorization ?? (sessionToken ? `Bearer ${sessionToken}` : undefined);
        return options.createContext({
          authorization,
          clientAddress: req.ip,
          sessionCookie: sessionCookieFor(req, res),
        });
      },
      // A rate-limited answer (the exchange's 429 passed on) tells HTTP clients when to retry.
      responseMeta: ({ errors }) => {
        // Private, per-user answers: no shared cache (proxy, browser back/forward) keeps them.
        const headers: Record<string, string> = { "cache-control": "no-store" };
        const retryAfterMs = Math.max(0, ...errors.map((error) => retryAfterMsOf(error.cause)));
        if (retryAfterMs > 0) headers["retry-after"] = String(Math.ceil(retryAfterMs / 1000));
        return { headers };
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
