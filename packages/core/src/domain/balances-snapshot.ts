import type { Exchange, Prisma, PrismaClient } from "@tradedesk/db";
import type Decimal from "decimal.js";
import type { AssetBalance, PositionSide } from "../exchange/gateway.ts";
import type { DeskDeps } from "./deps.ts";
import { accountRef, gatewayFor } from "./exchange-accounts.ts";
import { PROTECTING_STATUSES } from "./intents.ts";
import { toDecimal } from "./money.ts";
import type { ExchangeCloseReasonName } from "./views.ts";

/**
 * The structural part of a user's balances summary: what the cache may hold. Prices move
 * every second, so they are never part of it, and the types say so: a `markPrice` or
 * `unrealizedPnl` on a cached position does not compile.
 */
export interface SnapshotProtection {
  orderId: string;
  clientOrderId: string;
  triggerPrice: Decimal;
}

export interface SnapshotPosition {
  id: string;
  accountId: string;
  exchange: Exchange;
  symbol: string;
  side: PositionSide;
  quantity: Decimal;
  entryPrice: Decimal;
  leverage: number;
  openedAt: Date;
  stopLoss: SnapshotProtection | null;
  takeProfit: SnapshotProtection | null;
  /** Its live orders placed outside the desk (found by reconciliation). */
  externalOrders: number;
  markPrice?: never;
  unrealizedPnl?: never;
  notional?: never;
}

export interface SnapshotAccount {
  id: string;
  exchange: Exchange;
  label: string;
  testnet: boolean;
  balances: AssetBalance[];
}

/** A position the exchange closed, not the trader (see RECENTLY_CLOSED_*). */
export interface SnapshotClosedPosition {
  id: string;
  accountId: string;
  symbol: string;
  side: PositionSide;
  quantity: Decimal;
  closedBy: ExchangeCloseReasonName;
  closedAt: Date;
  realizedPnl: Decimal;
}

export interface BalancesSnapshot {
  accounts: SnapshotAccount[];
  positions: SnapshotPosition[];
  /** Newest first; the read drops those older than the window again (a cached snapshot ages). */
  recentlyClosed: SnapshotClosedPosition[];
}

/** Orders the reconciler found on the exchange that the desk did not place, still live. */
export const LIVE_EXTERNAL_ORDER = {
  role: "EXTERNAL",
  status: { in: ["NEW", "PARTIALLY_FILLED"] },
} as const satisfies Prisma.OrderWhereInput;

/** Closed not by the trader: the exchange did it (a liquidation, a fired stop-loss or take-profit). */
export const EXCHANGE_CLOSE_REASONS = [
  "EXCHANGE",
  "STOP_LOSS",
  "TAKE_PROFIT",
] as const satisfies readonly ExchangeCloseReasonName[];
export const RECENTLY_CLOSED_WINDOW_MS = 24 * 60 * 60 * 1000;
export const RECENTLY_CLOSED_LIMIT = 10;

/** A constant number of statements whatever the number of accounts, positions and orders. */
export function findUserBook(prisma: PrismaClient, userId: string) {
  return prisma.exchangeAccount.findMany({
    where: { userId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    include: {
      positions: {
        where: { status: "OPEN" },
        orderBy: [{ openedAt: "asc" }, { id: "asc" }],
        include: {
          // Its protective orders and its live external ones, in the orders' one statement. (A
          // filtered relation _count would be Prisma's join on an uncorrelated count of every
          // live external order in the table: read in full however few positions are open.)
          orders: {
            where: {
              OR: [
                { status: { in: [...PROTECTING_STATUSES] }, role: { in: ["STOP_LOSS", "TAKE_PROFIT"] } },
                LIVE_EXTERNAL_ORDER,
              ],
            },
            orderBy: [{ createdAt: "desc" }, { id: "asc" }],
          },
        },
      },
    },
  });
}

/** One statement: the user's positions the exchange closed since `since`, newest first. */
export function findRecentlyClosed(prisma: PrismaClient, userId: string, since: Date) {
  return prisma.position.findMany({
    where: {
      account: { userId },
      status: "CLOSED",
      closedBy: { in: [...EXCHANGE_CLOSE_REASONS] },
      closedAt: { gte: since },
    },
    orderBy: [{ closedAt: "desc" }, { id: "desc" }],
    take: RECENTLY_CLOSED_LIMIT,
  });
}

/**
 * Loads the snapshot: two database reads (the book, the recently closed positions) side by side,
 * then every account's exchange balances in parallel.
 */
export async function loadBalancesSnapshot(deps: DeskDeps, userId: string): Promise<BalancesSnapshot> {
  const since = new Date(deps.now().getTime() - RECENTLY_CLOSED_WINDOW_MS);
  const [accounts, closed] = await Promise.all([
    findUserBook(deps.prisma, userId),
    findRecentlyClosed(deps.prisma, userId, since),
  ]);
  // Balances the account's stream keeps current cost nothing; otherwise one snapshot, which
  // also seeds what the stream keeps from then on.
  const exchangeSnapshots = await Promise.all(
    accounts.map(async (account) => {
      const kept = deps.accountBalances.current(account.id);
      if (kept) return kept;
      const snapshot = await gatewayFor(deps, account.exchange).getAccountSnapshot(accountRef(deps, account));
      deps.accountBalances.seed(account.id, snapshot.balances, snapshot.asOf);
      return snapshot;
    }),
  );
  return {
    accounts: accounts.map((account, index) => ({
      id: account.id,
      exchange: account.exchange,
      label: account.label,
      testnet: account.testnet,
      balances: exchangeSnapshots[index]?.balances ?? [],
    })),
    positions: accounts.flatMap((account) =>
      account.positions.map((position): SnapshotPosition => {
        // Newest first: if several are open (should not happen), the latest one counts.
        const stopLoss = position.orders.find((order) => order.role === "STOP_LOSS");
        const takeProfit = position.orders.find((order) => order.role === "TAKE_PROFIT");
        return {
          id: position.id,
          accountId: account.id,
          exchange: account.exchange,
          symbol: position.symbol,
          side: position.side,
          quantity: toDecimal(position.quantity),
          entryPrice: toDecimal(position.entryPrice),
          leverage: position.leverage,
          openedAt: position.openedAt,
          stopLoss: stopLoss ? protectionOf(stopLoss) : null,
          takeProfit: takeProfit ? protectionOf(takeProfit) : null,
          externalOrders: position.orders.filter((order) => order.role === "EXTERNAL").length,
        };
      }),
    ),
    recentlyClosed: closed.flatMap((position): SnapshotClosedPosition[] =>
      isExchangeClose(position.closedBy) && position.closedAt
        ? [
            {
              id: position.id,
              accountId: position.accountId,
              symbol: position.symbol,
              side: position.side,
              quantity: toDecimal(position.quantity),
              closedBy: position.closedBy,
              closedAt: position.closedAt,
              realizedPnl: toDecimal(position.realizedPnl),
            },
          ]
        : [],
    ),
  };
}

function isExchangeClose(reason: string | null): reason is ExchangeCloseReasonName {
  return (EXCHANGE_CLOSE_REASONS as readonly (string | null)[]).includes(reason);
}

function protectionOf(order: {
  id: string;
  clientOrderId: string;
  triggerPrice: { toString(): string } | null;
}) {
  return {
    orderId: order.id,
    clientOrderId: order.clientOrderId,
    triggerPrice: toDecimal(order.triggerPrice ?? "0"),
  };
}
