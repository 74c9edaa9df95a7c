import { Prisma, type PrismaClient } from "@tradedesk/db";
import { InvalidCommandError } from "./errors.ts";

/** Where a page ends: the last row's time and id (ties on time go by id, newest first). */
export interface PagePlace {
  at: Date;
  id: string;
}

/** What a history list reads: its table, the time it is ordered by and which rows it shows. */
export interface HistorySource {
  table: Prisma.Sql;
  at: Prisma.Sql;
  rows: Prisma.Sql;
}

export const ORDERS: HistorySource = {
  table: Prisma.raw("orders"),
  at: Prisma.raw("created_at"),
  rows: Prisma.raw("true"),
};
export const FILLED_ORDERS: HistorySource = { ...ORDERS, rows: Prisma.raw("h.filled_quantity > 0") };
export const CLOSED_POSITIONS: HistorySource = {
  table: Prisma.raw("positions"),
  at: Prisma.raw("closed_at"),
  rows: Prisma.raw("h.status = 'CLOSED' AND h.closed_at IS NOT NULL"),
};

export interface NewestFirstQuery {
  userId: string;
  accountId?: string | undefined;
  /** Rows strictly older than this place (the previous page's last row); none: from the newest. */
  before: PagePlace | null;
  take: number;
}

/**
 * The places of a user's newest `take` rows, newest first, in one statement that reads each of
 * their accounts along its (account, time DESC) index and stops after `take` rows of each, then
 * merges them: a page costs the same however long the history. (Prisma's `account: { userId }`
 * filter is a join, for which PostgreSQL reads every row of the user's accounts to sort them;
 * packages/core/test/query-plans.test.ts.) `time <= before` also prunes the orders' monthly
 * partitions newer than the page.
 */
export async function newestFirst(
  prisma: PrismaClient,
  source: HistorySource,
  query: NewestFirstQuery,
): Promise<PagePlace[]> {
  const { at } = source;
  const { before } = query;
  const rows = await prisma.$queryRaw<{ id: string; at: Date }[]>`
    SELECT h.id::text AS id, h.at
      FROM exchange_accounts a
     CROSS JOIN LATERAL (
       SELECT h.id, h.${at} AS at
         FROM ${source.table} h
        WHERE h.account_id = a.id AND ${source.rows}
          ${
            before
              ? Prisma.sql`AND h.${at} <= ${before.at} AND (h.${at} < ${before.at} OR h.id < ${before.id}::uuid)`
              : Prisma.empty
          }
        ORDER BY h.${at} DESC, h.id DESC
        LIMIT ${query.take}
     ) h
     WHERE a.user_id = ${query.userId}::uuid
       ${query.accountId ? Prisma.sql`AND a.id = ${query.accountId}::uuid` : Prisma.empty}
     ORDER BY h.at DESC, h.id DESC
     LIMIT ${query.take}`;
  return rows.map((row) => ({ id: row.id, at: new Date(row.at) }));
}

/**
 * The orders at these places (some of a user's, newest first), in that order: by id, and by their
 * times, with which PostgreSQL reads only their months' partitions (plan-time pruning). `where`
 * narrows them further (a row that changed between the two statements).
 */
export async function ordersAt(
  prisma: PrismaClient,
  places: readonly PagePlace[],
  where: Prisma.OrderWhereInput = {},
) {
  if (places.length === 0) return [];
  return await prisma.order.findMany({
    where: {
      ...where,
      id: { in: places.map((place) => place.id) },
      createdAt: { in: [...new Set(places.map((place) => place.at.getTime()))].map((ms) => new Date(ms)) },
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
}

/** A place as a list's cursor: opaque to clients, the time in ms (base 36) and the id. */
export function cursorOf(place: PagePlace): string {
  return `${place.at.getTime().toString(36)}.${place.id}`;
}

const CURSOR = /^([0-9a-z]{1,11})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The place a cursor stands for; a string no list gave is refused on the `cursor` field. */
export function placeOf(cursor: string): PagePlace {
  const parts = CURSOR.exec(cursor);
  const at = parts ? new Date(Number.parseInt(parts[1]!, 36)) : null;
  if (!parts || !at || Number.isNaN(at.getTime())) {
    throw new InvalidCommandError("cursor", "must be a nextCursor this list returned");
  }
  return { at, id: parts[2]! };
}
