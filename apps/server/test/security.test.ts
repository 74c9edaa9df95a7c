import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { signToken } from "@tradedesk/api";
import { hashPassword } from "@tradedesk/db";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type App, createApp } from "../src/app.ts";
import { DEVELOPMENT_JWT_SECRET, loadConfig } from "../src/config.ts";
import { MAX_BATCH_SIZE } from "../src/http/http-server.ts";

/**
 * Issue 14's attacks, each against the real server on 127.0.0.1 over HTTP, and the defence that
 * answers it. TRUST_PROXY lets a test speak from several client addresses (X-Forwarded-For).
 */

const JWT_SECRET = "security-tests-secret-that-is-long-enough";
const PASSWORD = "tradedesk-demo";
const METRICS_TOKEN = "metrics-token-for-the-tests";
const env = {
  PORT: "0",
  DATABASE_URL: "memory://",
  SIMULATED_LATENCY_MS: "0",
  SIMULATED_PRICE_TICK_MS: "0",
  CACHE_TTL_MS: "60000",
  JWT_SECRET,
  TRUST_PROXY: "true",
  LOGIN_LIMIT_PER_ACCOUNT: "3",
  LOGIN_LIMIT_PER_ADDRESS: "20",
  CACHE_RELOADS_PER_MINUTE: "3",
  REDIS_URL: "redis://127.0.0.1:6379",
};

let app: App;
let url: string;
/** A second instance on the same Redis, with a metrics token: limits are shared, /metrics guarded. */
let other: App;
let otherUrl: string;
const logLines: string[] = [];

beforeAll(async () => {
  // Counters of this run only: Redis outlives test runs.
  const limitsKeyPrefix = `tradedesk-test:${randomUUID()}`;
  app = await createApp(loadConfig(env), {
    logger: pino({ level: "info" }, { write: (line: string) => logLines.push(line) }),
    limitsKeyPrefix,
  });
  other = await createApp(loadConfig({ ...env, METRICS_TOKEN, LOG_LEVEL: "silent" }), { limitsKeyPrefix });
  [url, otherUrl] = await Promise.all([app.listen(), other.listen()]);
  await Promise.all([app.reconciled, other.reconciled]);
});

afterAll(async () => {
  await Promise.all([app?.close(), other?.close()]);
});

let addressCounter = 0;
/** A client address of its own (TEST-NET-3), so one test's attempts do not spend another's. */
const freshAddress = () => `203.0.113.${++addressCounter}`;

interface TrpcError {
  message: string;
  data: { code: string; httpStatus: number; retryAfterMs?: number | null; zodError?: unknown };
}

async function login(email: string, password: string, address = freshAddress(), base = url) {
  const response = await fetch(`${base}/trpc/auth.login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": address },
    body: JSON.stringify({ email, password }),
  });
  const body = (await response.json()) as { result?: { data: { token: string } }; error?: TrpcError };
  return { response, token: body.result?.data.token, error: body.error };
}

async function tokenOf(email = "demo@example.com"): Promise<string> {
  const { token, error } = await login(email, PASSWORD);
  if (!token) throw new Error(`sign-in failed: ${error?.message}`);
  return token;
}

async function call(path: string, token: string | null, init: { method?: string; body?: unknown } = {}) {
  const response = await fetch(`${url}/trpc/${path}`, {
    method: init.method ?? "GET",
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return { response, text, body: JSON.parse(text) as { result?: { data: unknown }; error?: TrpcError } };
}

describe("1. a batch of sign-ins cannot stall the server", () => {
  it(`refuses a batch of more than ${MAX_BATCH_SIZE} calls before running any`, async () => {
    const authenticate = vi.spyOn(app.desk.users, "authenticate");
    try {
      const paths = Array.from({ length: MAX_BATCH_SIZE + 1 }, () => "auth.login").join(",");
      const inputs = Object.fromEntries(
        Array.from({ length: MAX_BATCH_SIZE + 1 }, (_, i) => [
          i,
          { email: `x${i}@example.com`, password: "x" },
        ]),
      );
      const response = await fetch(`${url}/trpc/${paths}?batch=1`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(inputs),
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain("Batch call exceeds maximum size");
      expect(authenticate).not.toHaveBeenCalled();
    } finally {
      authenticate.mockRestore();
    }
  });

  it("hashes one password at a time and refuses sign-ins beyond the queue (429) instead of piling up", async () => {
    let running = 0;
    let mostAtOnce = 0;
    const authenticate = app.desk.users.authenticate;
    const spy = vi.spyOn(app.desk.users, "authenticate").mockImplementation(async (email, password) => {
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      try {
        return await authenticate(email, password);
      } finally {
        running -= 1;
      }
    });
    try {
      const batch = (address: string) => {
        const paths = Array.from({ length: MAX_BATCH_SIZE }, () => "auth.login").join(",");
        const inputs = Object.fromEntries(
          Array.from({ length: MAX_BATCH_SIZE }, (_, i) => [
            i,
            { email: `flood-${randomUUID()}-${i}@example.com`, password: "guess" },
          ]),
        );
        return fetch(`${url}/trpc/${paths}?batch=1`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-for": address },
          body: JSON.stringify(inputs),
        }).then(async (response) => (await response.json()) as { error?: TrpcError }[]);
      };
      const results = (await Promise.all([batch(freshAddress()), batch(freshAddress())])).flat();
      const codes = results.map((result) => result.error?.data.code);
      expect(mostAtOnce).toBe(1);
      expect(codes.filter((code) => code === "UNAUTHORIZED").length).toBeGreaterThan(0);
      const busy = results.filter((result) => result.error?.data.code === "TOO_MANY_REQUESTS");
      expect(busy.length).toBeGreaterThan(0);
      expect(busy[0]?.error?.message).toMatch(/busy/);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("2. sign-in attempts are limited", () => {
  it("per account: after 3 attempts even the right password waits, with Retry-After", async () => {
    const email = "demo@example.com";
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await login(email, "wrong")).error?.data.code).toBe("UNAUTHORIZED");
    }
    const refused = await login(email, PASSWORD);
    expect(refused.response.status).toBe(429);
    expect(refused.error?.message).toMatch(/this account/);
    expect(Number(refused.response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.error?.data.retryAfterMs).toBeGreaterThan(0);
    // The counters are in Redis: the other instance refuses too.
    expect((await login(email, PASSWORD, freshAddress(), otherUrl)).response.status).toBe(429);
    // demo stays spent: the tests below sign in as other users.
  });

  it("per client address, whatever the accounts tried", async () => {
    const address = freshAddress();
    for (let attempt = 0; attempt < 20; attempt++) {
      const result = await login(`nobody-${attempt}@example.com`, "guess", address);
      expect(result.error?.data.code).toBe("UNAUTHORIZED");
    }
    const refused = await login("ops@example.com", PASSWORD, address);
    expect(refused.response.status).toBe(429);
    expect(refused.error?.message).toMatch(/this address/);
    expect(refused.response.headers.get("retry-after")).not.toBeNull();
    expect((await login("ops@example.com", PASSWORD)).token).toBeDefined(); // from elsewhere: fine
  });
});

describe("3. no development secrets in production", () => {
  it("refuses to start without them, naming each", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/JWT_SECRET: is required/);
    expect(() => loadConfig({ NODE_ENV: "production", JWT_SECRET: DEVELOPMENT_JWT_SECRET })).toThrow(
      /JWT_SECRET/,
    );
    expect(() => loadConfig({ NODE_ENV: "production", JWT_SECRET, EXCHANGE: "binance" })).toThrow(
      /CREDENTIALS_KEY: is required/,
    );
  });

  it("does not take a token forged with the development secret", async () => {
    const ops = await app.desk.users.findByEmail("ops@example.com");
    const forged = await signToken(new TextEncoder().encode(DEVELOPMENT_JWT_SECRET), ops!.id);
    const { body } = await call("dashboard.balances", forged);
    expect(body.error?.data.code).toBe("UNAUTHORIZED");
  });
});

describe("4. tokens only in the Authorization header (event streams aside), never in the logs", () => {
  it("ignores a token in connectionParams on queries and mutations", async () => {
    const token = await tokenOf("ops@example.com");
    const params = encodeURIComponent(JSON.stringify({ token }));
    const query = await fetch(`${url}/trpc/auth.me?connectionParams=${params}`);
    expect(query.status).toBe(401);
    const mutation = await fetch(`${url}/trpc/cache.invalidate?connectionParams=${params}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(mutation.status).toBe(401);
  });

  it("redacts a token from logged URLs whatever the parameter is called or how it is encoded", async () => {
    const token = await tokenOf("ops@example.com");
    const json = encodeURIComponent(JSON.stringify({ token }));
    await fetch(`${url}/trpc/auth.me?connection%50arams=${json}`);
    await fetch(`${url}/trpc/auth.me?token=${token}`);
    await fetch(`${url}/trpc/auth.me?whatever=${encodeURIComponent(token)}`);
    const logged = logLines.join("\n");
    expect(logged).toContain("/trpc/auth.me?");
    expect(logged).toContain("[redacted]");
    expect(logged).not.toContain(token);
    expect(logged).not.toContain(token.split(".")[2]); // not even the signature alone
  });
});

describe("6. a token whose user is malformed or gone is refused on every procedure", () => {
  const procedures = ["auth.me", "dashboard.balances", "accounts.list", "orders.list", "cache.metrics"];

  it("401 for a signed token whose subject is not a user id", async () => {
    const token = await signToken(new TextEncoder().encode(JWT_SECRET), "not-a-uuid");
    for (const path of procedures) {
      const { response } = await call(path, token);
      expect(response.status, path).toBe(401);
    }
  });

  it("401 for the token of a deleted user, at once", async () => {
    const email = `leaver-${randomUUID()}@example.com`;
    const user = await app.db.prisma.user.create({
      data: { email, passwordHash: await hashPassword(PASSWORD) },
    });
    const token = await tokenOf(email);
    expect((await call("auth.me", token)).response.status).toBe(200);
    await app.db.prisma.user.delete({ where: { id: user.id } });
    for (const path of procedures) {
      const { response } = await call(path, token);
      expect(response.status, path).toBe(401);
    }
  });
});

describe("7. security headers", () => {
  it("on API answers: CSP that forbids framing, nosniff, no referrer, no caching", async () => {
    const { response } = await call("auth.me", null);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(response.headers.get("cache-control")).toBe("no-store");
    const health = await fetch(`${url}/healthz`);
    expect(health.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });

  it("the dashboard's page has no inline script or style the CSP would have to allow", () => {
    const html = readFileSync(new URL("../../web/index.html", import.meta.url), "utf8");
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  });
});

describe("8. who sees what metrics", () => {
  it("/metrics: loopback only without a token (not when relayed by a proxy); bearer token with one", async () => {
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    const relayed = await fetch(`${url}/metrics`, { headers: { "x-forwarded-for": "198.51.100.1" } });
    expect(relayed.status).toBe(403);
    const remote = await app.http.fastify.inject({ url: "/metrics", remoteAddress: "198.51.100.1" });
    expect(remote.statusCode).toBe(403);

    expect((await fetch(`${otherUrl}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${otherUrl}/metrics`, { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${otherUrl}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(right.status).toBe(200);
    expect(await right.text()).toContain("# HELP tradedesk_");
  });

  it("cache.metrics: a trader's own figures; the server's for an ADMIN", async () => {
    const email = `figures-${randomUUID()}@example.com`;
    await app.db.prisma.user.create({ data: { email, passwordHash: await hashPassword(PASSWORD) } });
    const trader = await tokenOf(email);
    const ops = await tokenOf("ops@example.com");
    await call("dashboard.balances", ops); // someone else's activity
    await call("dashboard.balances", trader);
    await call("dashboard.balances", trader);
    const own = (await call("cache.metrics", trader)).body.result?.data;
    expect(own).toMatchObject({ scope: "user", totalRequests: 2, hits: 1, misses: 1, hitRate: 0.5, size: 1 });
    const server = (await call("cache.metrics", ops)).body.result?.data as {
      scope: string;
      totalRequests: number;
    };
    expect(server.scope).toBe("server");
    expect(server.totalRequests).toBeGreaterThanOrEqual(3);
  });
});

describe("9. error answers stay small whatever the input", () => {
  it("a 1 MB unknown key gives a few KB back, naming the problem", async () => {
    const token = await tokenOf("ops@example.com");
    const { response, text, body } = await call("cache.invalidate", token, {
      method: "POST",
      body: { ["k".repeat(1_000_000)]: 1 },
    });
    expect(response.status).toBe(400);
    expect(text.length).toBeLessThan(5_000);
    expect(body.error?.message).toMatch(/Unrecognized key/);
  });

  it("thousands of unknown keys give a few KB back", async () => {
    const token = await tokenOf("ops@example.com");
    const input = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`key${i}`, i]));
    const { response, text } = await call("cache.invalidate", token, { method: "POST", body: input });
    expect(response.status).toBe(400);
    expect(text.length).toBeLessThan(5_000);
  });
});

describe("10. forced reloads are limited per user", () => {
  it("the 4th cache.invalidate in a minute is refused with Retry-After and drops nothing", async () => {
    const email = `reloader-${randomUUID()}@example.com`;
    await app.db.prisma.user.create({ data: { email, passwordHash: await hashPassword(PASSWORD) } });
    const token = await tokenOf(email);
    for (let i = 0; i < 3; i++) {
      expect((await call("cache.invalidate", token, { method: "POST", body: {} })).response.status).toBe(200);
    }
    await call("dashboard.balances", token); // loads once more
    const refused = await call("cache.invalidate", token, { method: "POST", body: {} });
    expect(refused.response.status).toBe(429);
    expect(refused.response.headers.get("retry-after")).not.toBeNull();
    const after = (await call("dashboard.balances", token)).body.result?.data as { fromCache: boolean };
    expect(after.fromCache).toBe(true);
    // Another trader's budget is their own.
    const ops = await tokenOf("ops@example.com");
    expect((await call("cache.invalidate", ops, { method: "POST", body: {} })).response.status).toBe(200);
  });
});

// Last: it closes the app.
describe("5. every event stream ends at shutdown", () => {
  it("a stream opened without Accept: text/event-stream, keeping the tRPC client's settings", async () => {
    const token = await tokenOf("ops@example.com");
    const params = encodeURIComponent(JSON.stringify({ token }));
    const response = await fetch(`${url}/trpc/dashboard.events?connectionParams=${params}`);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const reader = response.body!.getReader();
    let received = "";
    while (!received.includes("balances-changed")) {
      const { value } = await reader.read();
      received += new TextDecoder().decode(value);
    }
    // tRPC tells its client to reconnect after a silence (the server pings well within it).
    expect(received).toMatch(/"reconnectAfterInactivityMs":45000/);

    await app.close(); // hangs (the test times out) if the stream is left open
    const rest = await reader.read().then(
      (chunk) => chunk.done,
      () => true, // cut: also ended
    );
    expect(rest).toBe(true);
  });
});
