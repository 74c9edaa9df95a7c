import type { ClosedPositionsQuery, ListOrdersQuery } from "./commands.ts";
import type { DeskDeps } from "./deps.ts";
import { NotFoundError } from "./errors.ts";
import { UNSETTLED_STATUSES } from "./intents.ts";
import { toWire } from "./money.ts";
import {
  CLOSED_POSITIONS,
  cursorOf,
  FILLED_ORDERS,
  newestFirst,
  ORDERS,
  ordersAt,
  placeOf,
} from "./newest-first.ts";
import { presentOrder, presentPosition } from "./presenters.ts";
import type { OpenOrdersView, OrderPage, PositionPage, QuoteView } from "./views.ts";

/** What is live (or still being settled): the open-orders panel. At most this many. */
const OPEN_ORDERS_MAX = 200;

/**
 * The user's open orders, newest first: entries, resting limits, protective and external ones.
 * Two statements: their places from the database's open_order_places() (migration
 * 20261204090000_open_orders_places), whose plan is kept per connection (live orders are found by
 * status, which cannot prune the months: planned per call, every partition was planned on every
 * poll), then the rows at those places, which prune to their months.
 */
export async function openOrders(deps: DeskDeps, userId: string): Promise<OpenOrdersView> {
  const { prisma } = deps;
  const places = await prisma.$queryRaw<{ id: string; at: Date }[]>`
    SELECT id::text AS id, created_at AS at
      FROM open_order_places(${userId}::uuid, ${OPEN_ORDERS_MAX + 1}::int)`;
  const rows = await ordersAt(
    prisma,
    places.map((place) => ({ id: place.id, at: new Date(place.at) })),
    { status: { in: [...UNSETTLED_STATUSES] } },
  );
  return {
    items: rows.slice(0, OPEN_ORDERS_MAX).map(presentOrder),
    truncated: places.length > OPEN_ORDERS_MAX,
  };
}

/**
 * The user's orders (all, or only those that filled), newest first, by cursor: the previous
 * page's last order's place (its time and id), so that the page reads only the months up to it.
 * A cursor is a place in the caller's own list, not a row: another user's cursor finds nothing of
 * theirs. Two statements: the page's places, then its orders.
 */
export async function orderPage(
  deps: DeskDeps,
  userId: string,
  query: ListOrdersQuery,
  source = ORDERS,
): Promise<OrderPage> {
  const { prisma } = deps;
  const before = query.cursor === undefined ? null : placeOf(query.cursor);
  const places = await newestFirst(prisma, source, {
    userId,
    accountId: query.accountId,
    before,
    take: query.limit + 1,
  });
  if (places.length === 0) return { items: [], nextCursor: null };
  const rows = await ordersAt(prisma, places);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(presentOrder),
    nextCursor: rows.length > query.limit && last ? cursorOf({ at: last.createdAt, id: last.id }) : null,
  };
}

/** Trades: the user's orders that filled (some or all of their quantity), newest first, by cursor. */
export function trades(deps: DeskDeps, userId: string, query: ListOrdersQuery): Promise<OrderPage> {
  return orderPage(deps, userId, query, FILLED_ORDERS);
}

/**
 * Closed positions with their realized PnL, most recently closed first, by cursor: the last
 * position of the previous page, resolved as the caller's own (another user's ends the listing as
 * a missing one does).
 */
export async function closedPositions(
  deps: DeskDeps,
  userId: string,
  query: ClosedPositionsQuery,
): Promise<PositionPage> {
  const { prisma } = deps;
  const cursor = query.cursor
    ? await prisma.position.findFirst({
        where: { id: query.cursor, account: { userId }, status: "CLOSED" },
        select: { id: true, closedAt: true },
      })
    : null;
  if (query.cursor && !cursor?.closedAt) return { items: [], nextCursor: null };
  const places = await newestFirst(prisma, CLOSED_POSITIONS, {
    userId,
    accountId: query.accountId,
    before: cursor?.closedAt ? { at: cursor.closedAt, id: cursor.id } : null,
    take: query.limit + 1,
  });
  const rows = places.length
    ? await prisma.position.findMany({
        where: { id: { in: places.map((place) => place.id) } },
        orderBy: [{ closedAt: "desc" }, { id: "desc" }],
      })
    : [];
  const page = rows.slice(0, query.limit);
  return {
    items: page.map(presentPosition),
    nextCursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
  };
}

/** A symbol's mark price on an account's exchange, from the shared feed (for the order form's preview). */
export async function quote(
  deps: DeskDeps,
  userId: string,
  accountId: string,
  symbol: string,
): Promise<QuoteView> {
  const account = await deps.prisma.exchangeAccount.findFirst({
    where: { id: accountId, userId },
    select: { exchange: true },
  });
  if (!account) throw new NotFoundError("account");
  const quoted = (await deps.prices(account.exchange).quotes([symbol])).get(symbol);
  return {
    symbol,
    markPrice: quoted ? toWire(quoted.price) : null,
    ageMs: quoted?.ageMs ?? null,
    stale: quoted?.stale ?? false,
  };
}
