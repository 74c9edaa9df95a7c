import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { createPrismaBookStore, createSimulatedExchange } from "@tradedesk/core";
import { openDatabase } from "@tradedesk/db";
import { afterAll, expect, it } from "vitest";
import {
  killLoggedProcesses,
  type LoggedProcess,
  serverUrlOf,
  spawnLogged,
} from "./testing/logged-process.ts";

/**
 * A crash under load: the real server (src/main.ts) as a child process on an embedded database
 * on disk, the simulated exchange keeping its books in that database. A burst of orders with
 * stop-loss / take-profit is in flight when the process is killed (SIGKILL: no shutdown, no
 * cleanup). A new server on the same folder takes the dead process's lock, reconciles at
 * start-up, the client retries every unanswered order under its clientOrderId, and afterwards
 * the record and the exchange agree: no order open on the exchange without a live row, no live
 * row the exchange does not hold, the same positions.
 */

const dataDir = mkdtempSync(`${tmpdir()}/tradedesk-crash-`);
const databaseUrl = `file:${dataDir}/pglite`;
const serverDir = fileURLToPath(new URL("..", import.meta.url));
afterAll(() => {
  killLoggedProcesses();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(`${dataDir}/pglite.lock`, { force: true });
});

interface Server extends LoggedProcess {
  url: string;
}

/** src/main.ts as production runs it; node itself (not the tsx wrapper) so that its pid is the server's. */
async function startServer(env: Record<string, string>): Promise<Server> {
  const server = spawnLogged(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: serverDir,
    env: {
      PORT: "0",
      DATABASE_URL: databaseUrl,
      SERVE_WEB_APP: "false",
      SIMULATED_LATENCY_MS: "5",
      SIMULATED_PRICE_TICK_MS: "0", // prices hold still: no stop-loss fires during the test
      JWT_SECRET: "crash-tests-secret-that-is-long-enough",
      LOG_LEVEL: "info",
      LOG_FORMAT: "json",
      ...env,
    },
  });
  return { ...server, url: await serverUrlOf(server) };
}

type TrpcAnswer<T> = { result: { data: T } } | { error: { message: string; data?: { code?: string } } };

/** One tRPC call as its own HTTP request (no batching: each order is answered, or not, by itself). */
async function trpc<T>(url: string, path: string, input: unknown, token?: string): Promise<T> {
  const response = await fetch(`${url}/trpc/${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(input),
  });
  const answer = (await response.json()) as TrpcAnswer<T>;
  if ("error" in answer) throw new Error(`${path}: ${answer.error.data?.code} ${answer.error.message}`);
  return answer.result.data;
}

async function query<T>(url: string, path: string, token: string): Promise<T> {
  const response = await fetch(`${url}/trpc/${path}`, { headers: { authorization: `Bearer ${token}` } });
  const answer = (await response.json()) as TrpcAnswer<T>;
  if ("error" in answer) throw new Error(`${path}: ${answer.error.message}`);
  return answer.result.data;
}

async function signIn(url: string) {
  const { token } = await trpc<{ token: string }>(url, "auth.login", {
    email: "demo@example.com",
    password: "tradedesk-demo",
  });
  const accounts = await query<{ id: string; exchange: string }[]>(url, "accounts.list", token);
  return { token, accountId: accounts.find((account) => account.exchange === "SIMULATED")!.id };
}

const ORDERS = 20;
const KILL_AFTER_ANSWERS = 6;

it("after kill -9 during a burst of orders, a restart, retries and reconciliation leave no orphan", async () => {
  // 1. The first server, and the burst.
  const first = await startServer({});
  const { token, accountId } = await signIn(first.url);
  const orders = Array.from({ length: ORDERS }, (_, index) => {
    const bnb = index % 2 === 0;
    return {
      accountId,
      clientOrderId: randomUUID(),
      symbol: bnb ? "BNBUSDT" : "SOLUSDT",
      side: "BUY" as const,
      type: "MARKET" as const,
      quantity: bnb ? "0.1" : "1",
      stopLoss: bnb ? "400" : "100",
      takeProfit: bnb ? "800" : "200",
    };
  });
  const answered = new Set<string>();
  let killed = false;
  const burst = orders.map((order) =>
    trpc(first.url, "orders.create", order, token).then(
      () => {
        if (killed) return; // an answer that raced the kill is not counted as seen
        answered.add(order.clientOrderId);
        if (answered.size === KILL_AFTER_ANSWERS) {
          killed = true;
          first.child.kill("SIGKILL");
        }
      },
      () => {}, // the connection died with the server: unanswered
    ),
  );
  await Promise.all(burst);
  expect(await first.exited).toEqual({ code: null, signal: "SIGKILL" });
  const answeredBeforeKill = answered.size;
  expect(answeredBeforeKill).toBe(KILL_AFTER_ANSWERS);

  // 2. A new server on the same folder: the killed process's lock is taken over. An intent the
  // dead process left PENDING is no longer in flight anywhere: no grace for it.
  const second = await startServer({ RECONCILE_INTENT_GRACE_MS: "0" });
  await second.logged((line) => line.msg === "start-up reconciliation finished", "reconciled");
  expect((await fetch(`${second.url}/readyz`)).status).toBe(200);
  const again = await signIn(second.url);

  // 3. The client retries every unanswered order under its clientOrderId until it is answered.
  const unanswered = orders.filter((order) => !answered.has(order.clientOrderId));
  let retries = 0;
  let repeats = 0; // answered with the order the killed server had already recorded as done
  for (const order of unanswered) {
    for (let attempt = 1; ; attempt++) {
      retries += 1;
      try {
        const result = await trpc<{ created: boolean }>(second.url, "orders.create", order, again.token);
        if (!result.created) repeats += 1;
        break;
      } catch (error) {
        if (attempt === 5) throw error;
      }
    }
  }

  second.child.kill("SIGTERM");
  expect(await second.exited).toEqual({ code: 0, signal: null });

  // 4. A reconciliation pass after the retries: the start-up pass of the next server on the folder.
  const third = await startServer({ RECONCILE_INTENT_GRACE_MS: "0" });
  await third.logged((line) => line.msg === "start-up reconciliation finished", "reconciled");
  third.child.kill("SIGTERM");
  expect(await third.exited).toEqual({ code: 0, signal: null });
  const repairLogs = (server: Server) =>
    server.logs.filter((line) => line.msg?.startsWith("reconciliation repaired the record: ")).length;

  // 5. The record and the exchange, read from the database the servers left.
  const db = await openDatabase({ url: databaseUrl });
  const exchange = createSimulatedExchange({
    store: createPrismaBookStore(db.prisma),
    persistMarkPrices: true,
    latencyMs: 0,
    priceTickMs: 0,
  });
  try {
    const account = { id: accountId };
    const [open, snapshot] = await Promise.all([
      exchange.getOpenOrders(account),
      exchange.getAccountSnapshot(account),
    ]);
    const rows = await db.prisma.order.findMany({ where: { accountId } });
    const rowOf = new Map(rows.map((row) => [row.clientOrderId, row]));
    // Every order open on the exchange has a live row...
    for (const order of open) {
      expect(rowOf.get(order.clientOrderId)?.status, order.clientOrderId).toMatch(/^(NEW|PARTIALLY_FILLED)$/);
    }
    // ...every live row is open on the exchange, and nothing is left unresolved.
    const openIds = new Set(open.map((order) => order.clientOrderId));
    const live = rows.filter((row) => row.status === "NEW" || row.status === "PARTIALLY_FILLED");
    expect(live.filter((row) => !openIds.has(row.clientOrderId)).map((row) => row.clientOrderId)).toEqual([]);
    expect(rows.filter((row) => row.status === "PENDING" || row.status === "PENDING_CANCEL")).toEqual([]);
    // Every order of the burst was answered in the end, and filled.
    for (const order of orders) expect(rowOf.get(order.clientOrderId)?.status).toBe("FILLED");
    // The same positions, in side and quantity.
    const recorded = await db.prisma.position.findMany({ where: { accountId, status: "OPEN" } });
    const held = snapshot.positions.filter((position) => position.quantity.gt(0));
    const byPosition = (p: { symbol: string; side: string; quantity: { toString(): string } }) =>
      `${p.symbol} ${p.side} ${Number(p.quantity.toString())}`;
    expect(recorded.map(byPosition).sort()).toEqual(held.map(byPosition).sort());
    expect(held.map((position) => position.symbol)).toEqual(expect.arrayContaining(["BNBUSDT", "SOLUSDT"]));

    const runs = await db.prisma.reconcileRun.findMany({ where: { accountId }, include: { repairs: true } });
    expect(runs.every((run) => run.outcome === "OK" && run.finishedAt !== null)).toBe(true);
    const repairs = runs.flatMap((run) => run.repairs.map((repair) => repair.kind));
    console.info(
      `crash recovery: ${answeredBeforeKill}/${ORDERS} answered before the kill, ${unanswered.length} ` +
        `unanswered retried in ${retries} request(s) (${repeats} answered as already done); ${runs.length} reconcile run(s) made ${repairs.length} ` +
        `repair(s) (${repairs.join(", ") || "none"}); logged after the restart: ${repairLogs(second)}, ` +
        `after the retries: ${repairLogs(third)}`,
    );
  } finally {
    await exchange.close();
    await db.close();
  }
}, 120_000);
