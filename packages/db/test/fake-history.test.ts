import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlAccessOf } from "../src/connection/database.ts";
import { checkDrift } from "../src/drift/check-drift.ts";
import {
  type Database,
  FAKE_PASSWORD,
  type FakeHistory,
  type FakeHistoryProgress,
  fakeTradingHistory,
  orderPartitions,
  refreshDailyPnlView,
  verifyPassword,
} from "../src/index.ts";
import { createTestDatabase } from "../src/testing/index.ts";

// Small enough for PGlite in a few seconds, big enough that every kind of row appears.
const USERS = 12;
const ORDERS = 4_000;
const MONTHS = 6;
const NOW = new Date("2026-08-20T15:00:00Z");

let db: Database;
let history: FakeHistory;
const progress: FakeHistoryProgress[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
  history = await fakeTradingHistory(db, {
    users: USERS,
    orders: ORDERS,
    months: MONTHS,
    seed: 7,
    now: NOW,
    onProgress: (p) => progress.push(p),
  });
});
afterAll(() => db.close());

const sql = <Row>(text: string, params: unknown[] = []) =>
  sqlAccessOf(db).withSession((session) => session.query<Row>(text, params));
const count = async (text: string, params: unknown[] = []) =>
  Number((await sql<{ n: string }>(`SELECT count(*)::text AS n FROM (${text}) AS rows`, params))[0]?.n);

describe("fake trading history", () => {
  it("writes exactly the orders asked for, for the users asked for, each with one to three accounts", async () => {
    expect(history).toMatchObject({ users: USERS, orders: ORDERS, fastLoad: true });
    expect(await count("SELECT 1 FROM orders")).toBe(ORDERS);
    expect(await count("SELECT 1 FROM users")).toBe(USERS);
    const perUser = await sql<{ accounts: number; simulated: number }>(
      `SELECT count(*)::int AS accounts, count(*) FILTER (WHERE exchange = 'SIMULATED')::int AS simulated
         FROM exchange_accounts GROUP BY user_id`,
    );
    expect(perUser).toHaveLength(USERS);
    for (const user of perUser) {
      expect(user.accounts).toBeGreaterThanOrEqual(1);
      expect(user.accounts).toBeLessThanOrEqual(3);
      expect(user.simulated).toBe(1);
    }
    expect(await count("SELECT 1 FROM exchange_accounts")).toBe(history.accounts);
    expect(await count("SELECT 1 FROM positions")).toBe(history.positions);
  });

  it("gives every trader the one password hash, which signs them in", async () => {
    const hashes = await sql<{ password_hash: string }>("SELECT DISTINCT password_hash FROM users");
    expect(hashes).toHaveLength(1);
    expect(await verifyPassword(FAKE_PASSWORD, hashes[0]!.password_hash)).toBe(true);
  });

  it("gives each closed position its filled entry, and of its stop-loss and take-profit the one that closed it FILLED, the other CANCELED", async () => {
    const shapes = await sql<{ closed_by: string; orders: string; positions: number }>(
      `SELECT p.closed_by::text AS closed_by,
              string_agg(o.role::text || ':' || o.status::text, ',' ORDER BY o.role, o.status) AS orders,
              count(DISTINCT p.id)::int AS positions
         FROM positions p JOIN orders o ON o.position_id = p.id
        WHERE p.status = 'CLOSED'
        GROUP BY p.id, p.closed_by`,
    );
    const kinds = new Map<string, Set<string>>();
    for (const shape of shapes)
      kinds.set(shape.closed_by, (kinds.get(shape.closed_by) ?? new Set()).add(shape.orders));
    expect(Object.fromEntries([...kinds].map(([by, set]) => [by, [...set]]))).toEqual({
      STOP_LOSS: ["ENTRY:FILLED,STOP_LOSS:FILLED,TAKE_PROFIT:CANCELED"],
      TAKE_PROFIT: ["ENTRY:FILLED,STOP_LOSS:CANCELED,TAKE_PROFIT:FILLED"],
      TRADER: ["ENTRY:FILLED,EXIT:FILLED,STOP_LOSS:CANCELED,TAKE_PROFIT:CANCELED"],
    });
    expect(shapes.length).toBe(history.positions - history.openPositions);
  });

  it("books realized PnL from the entry and the exit fill, fees at 0.04 % of each fill's notional", async () => {
    const wrongPnl = await count(
      `SELECT 1 FROM positions p
         JOIN orders x ON x.position_id = p.id AND x.status = 'FILLED' AND x.role <> 'ENTRY'
        WHERE p.realized_pnl <> (CASE p.side WHEN 'LONG' THEN 1 ELSE -1 END) * (x.average_price - p.entry_price) * p.quantity
           OR x.filled_quantity <> p.quantity`,
    );
    expect(wrongPnl).toBe(0);
    // Both signs: stops lose, take-profits win.
    const [signs] = await sql<{ losses: number; wins: number }>(
      `SELECT count(*) FILTER (WHERE closed_by = 'STOP_LOSS' AND realized_pnl < 0)::int AS losses,
              count(*) FILTER (WHERE closed_by = 'TAKE_PROFIT' AND realized_pnl > 0)::int AS wins FROM positions`,
    );
    expect(signs!.losses).toBeGreaterThan(0);
    expect(signs!.wins).toBeGreaterThan(0);
    expect(
      await count(
        `SELECT 1 FROM orders
          WHERE fee <> CASE WHEN status = 'FILLED' THEN round(filled_quantity * average_price * 0.0004, 8) ELSE 0 END`,
      ),
    ).toBe(0);
    expect(await count("SELECT 1 FROM orders WHERE fee > 0")).toBeGreaterThan(ORDERS / 2);
  });

  it("leaves a few positions open with live protection, at most one per account and symbol", async () => {
    expect(history.openPositions).toBeGreaterThan(0);
    const open = await sql<{ orders: string; per_symbol: number }>(
      `SELECT string_agg(o.role::text || ':' || o.status::text, ',' ORDER BY o.role) AS orders,
              count(*) OVER (PARTITION BY p.account_id, p.symbol)::int AS per_symbol
         FROM positions p JOIN orders o ON o.position_id = p.id
        WHERE p.status = 'OPEN' GROUP BY p.id`,
    );
    expect(open).toHaveLength(history.openPositions);
    for (const position of open) {
      expect(position.orders).toBe("ENTRY:FILLED,STOP_LOSS:NEW,TAKE_PROFIT:NEW");
      expect(position.per_symbol).toBe(1);
    }
  });

  it("cancels some resting limit orders that never opened a position", async () => {
    expect(
      await count(
        "SELECT 1 FROM orders WHERE type = 'LIMIT' AND status = 'CANCELED' AND position_id IS NULL AND price > 0",
      ),
    ).toBeGreaterThan(0);
  });

  it("spreads orders over every month, each in its month's partition, none in the default one, nothing after the clock", async () => {
    const partitions = await orderPartitions(db);
    expect(partitions.defaultRows).toBe(0);
    const byMonth = await sql<{ partition: string; month: string; orders: number }>(
      `SELECT tableoid::regclass::text AS partition, to_char(created_at AT TIME ZONE 'UTC', 'YYYY_MM') AS month,
              count(*)::int AS orders
         FROM orders GROUP BY 1, 2 ORDER BY 2`,
    );
    for (const row of byMonth) expect(row.partition.replace(/^.*\./, "")).toBe(`orders_${row.month}`);
    expect(byMonth.map((row) => row.month)).toEqual(
      ["2026_03", "2026_04", "2026_05", "2026_06", "2026_07", "2026_08"].slice(0, byMonth.length),
    );
    expect(byMonth).toHaveLength(MONTHS);
    for (const row of byMonth) expect(row.orders).toBeGreaterThan(ORDERS / MONTHS / 2);
    expect(
      await count("SELECT 1 FROM orders WHERE created_at > $1 OR updated_at > $1", [NOW.toISOString()]),
    ).toBe(0);
    expect(await count("SELECT 1 FROM positions WHERE closed_at > $1", [NOW.toISOString()])).toBe(0);
  });

  it("keeps order_client_ids and the foreign keys consistent although the load ran without triggers", async () => {
    expect(await count("SELECT 1 FROM order_client_ids")).toBe(ORDERS);
    expect(
      await count(
        `SELECT 1 FROM orders o
          WHERE NOT EXISTS (SELECT 1 FROM order_client_ids g
                             WHERE g.account_id = o.account_id AND g.client_order_id = o.client_order_id)`,
      ),
    ).toBe(0);
    expect(
      await count(
        `SELECT 1 FROM orders o
          WHERE NOT EXISTS (SELECT 1 FROM exchange_accounts a WHERE a.id = o.account_id)
             OR (o.position_id IS NOT NULL AND NOT EXISTS (
                  SELECT 1 FROM positions p WHERE p.id = o.position_id AND p.account_id = o.account_id))`,
      ),
    ).toBe(0);
    // The guard still works after the load: a client order id taken by a fake order is refused.
    const [taken] = await sql<{ account_id: string; client_order_id: string }>(
      "SELECT account_id::text, client_order_id FROM orders LIMIT 1",
    );
    await expect(
      db.prisma.order.create({
        data: {
          accountId: taken!.account_id,
          role: "ENTRY",
          clientOrderId: taken!.client_order_id,
          symbol: "BTCUSDT",
          side: "BUY",
          type: "MARKET",
          quantity: "0.001",
          createdAt: NOW,
        },
      }),
    ).rejects.toMatchObject({ code: "P2002" });
  });

  it("leaves the schema as the migrations made it, the daily view filled and refreshable", async () => {
    expect(await checkDrift(db)).toEqual([]);
    const [totals] = await sql<{
      view_fees: string;
      order_fees: string;
      view_pnl: string;
      position_pnl: string;
    }>(
      `SELECT (SELECT sum(fees)::text FROM daily_account_pnl) AS view_fees,
              (SELECT sum(fee)::text FROM orders) AS order_fees,
              (SELECT sum(realized_pnl)::text FROM daily_account_pnl) AS view_pnl,
              (SELECT sum(realized_pnl)::text FROM positions WHERE status = 'CLOSED') AS position_pnl`,
    );
    expect(totals!.view_fees).toBe(totals!.order_fees);
    expect(totals!.view_pnl).toBe(totals!.position_pnl);
    await expect(refreshDailyPnlView(db)).resolves.toMatchObject({ refreshed: true });
  });

  it("reports its progress month by month, then the clean-up", () => {
    const months = progress.filter((p) => p.step === "months");
    expect(months.map((p) => p.monthsDone)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(months.at(-1)?.ordersDone).toBe(ORDERS);
    expect(progress.map((p) => p.step).slice(-3)).toEqual(["vacuum", "daily view", "done"]);
  });

  it("writes the same rows again from the same seed and clock, other rows from another seed", async () => {
    const fingerprint = async (target: Database) =>
      sqlAccessOf(target).withSession(async (session) => {
        const [row] = await session.query<{ orders: string; positions: string }>(
          `SELECT (SELECT md5(string_agg(o::text, '|' ORDER BY id)) FROM orders o) AS orders,
                  (SELECT md5(string_agg(p::text, '|' ORDER BY id)) FROM positions p) AS positions`,
        );
        return row;
      });
    const again = await createTestDatabase();
    const other = await createTestDatabase();
    try {
      const options = { users: USERS, orders: ORDERS, months: MONTHS, now: NOW };
      await fakeTradingHistory(again, { ...options, seed: 7 });
      await fakeTradingHistory(other, { ...options, seed: 8 });
      const mine = await fingerprint(db);
      expect(await fingerprint(again)).toEqual(mine);
      const theirs = await fingerprint(other);
      expect(theirs?.orders).not.toBe(mine?.orders);
    } finally {
      await again.close();
      await other.close();
    }
  });

  it("refuses to write the same seed's history twice", async () => {
    await expect(fakeTradingHistory(db, { users: 1, orders: 10, seed: 7, now: NOW })).rejects.toThrow(
      /already holds the fake history of seed 7/,
    );
  });
});
