import type { Prisma } from "@tradedesk/db";
import type { ClosedPositionsQuery, ListOrdersQuery } from "./commands.ts";
import type { DeskDeps } from "./deps.ts";
import { NotFoundError } from "./errors.ts";
import { toWire } from "./money.ts";
import { presentOrder, presentPosition } from "./presenters.ts";
import type { OpenOrdersView, OrderPage, PositionPage, QuoteView } from "./views.ts";

/** What is live (or still being settled): the open-orders panel. At most this many. */
const OPEN_ORDERS_MAX = 200;

/** The user's open orders, newest first: entries, resting limits, protective and external ones. */
export async function openOrders(deps: DeskDeps, userId: string): Promise<OpenOrdersView> {
  const rows = await deps.prisma.order.findMany({
    where: {
      account: { userId },
      status: { in: ["PENDING", "NEW", "PARTIALLY_FILLED", "PENDING_CANCEL"] },
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: OPEN_ORDERS_MAX + 1,
  });
  return {
    items: rows.slice(0, OPEN_ORDERS_MAX).map(presentOrder),
    truncated: rows.length > OPEN_ORDERS_MAX,
  };
}

/**
 * The user's orders (all, or only those matching `only`), newest first, by cursor: the last id of
 * the previous page. Prisma positions a cursor on its row without the where clause, so another
 * user's order id would page through the caller's orders (and tell that it exists): it is
 * resolved as ours first, and ends the listing as a missing one does.
 */
export async function orderPage(
  deps: DeskDeps,
  userId: string,
  query: ListOrdersQuery,
  only: Prisma.OrderWhereInput = {},
): Promise<OrderPage> {
  const { prisma } = deps;
  const cursor = query.cursor
    ? await prisma.order.findFirst({
        where: { id: query.cursor, account: { userId } },
        select: { id: true, createdAt: true },
      })
    : null;
  if (query.cursor && !cursor) return { items: [], nextCursor: null };
  const rows = await prisma.order.findMany({
    where: {
      account: { userId },
      ...(query.accountId ? { accountId: query.accountId } : {}),
      ...only,
      ...(cursor
        ? {
            OR: [
              { createdAt: { lt: cursor.createdAt } },
              { createdAt: cursor.createdAt, id: { lt: cursor.id } },
            ],
          }
        : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
  });
  return pageOf(rows, query.limit, presentOrder);
}

/** Trades: the user's orders that filled (some or all of their quantity), newest first, by cursor. */
export function trades(deps: DeskDeps, userId: string, query: ListOrdersQuery): Promise<OrderPage> {
  return orderPage(deps, userId, query, { filledQuantity: { gt: 0 } });
}

/** One page of `limit` rows out of `limit + 1` read: the extra row says there is a next page. */
function pageOf<Row extends { id: string }, View>(rows: Row[], limit: number, present: (row: Row) => View) {
  const page = rows.slice(0, limit);
  return {
    items: page.map(present),
    nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
  };
}

/** Closed positions with their realized PnL, most recently closed first, by cursor. */
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
  const rows = await prisma.position.findMany({
    where: {
      account: { userId },
      status: "CLOSED",
      closedAt: { not: null },
      ...(query.accountId ? { accountId: query.accountId } : {}),
      ...(cursor?.closedAt
        ? {
            OR: [{ closedAt: { lt: cursor.closedAt } }, { closedAt: cursor.closedAt, id: { lt: cursor.id } }],
          }
        : {}),
    },
    orderBy: [{ closedAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
  });
  return pageOf(rows, query.limit, presentPosition);
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
