import type { Exchange, PrismaClient } from "@tradedesk/db";
import type Decimal from "decimal.js";
import type { AssetBalance } from "../exchange/gateway.ts";
import type { DeskDeps } from "./deps.ts";
import { accountRef, gatewayFor } from "./exchange-accounts.ts";
import { PROTECTING_STATUSES } from "./intents.ts";
import { toDecimal } from "./money.ts";

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
  side: "LONG" | "SHORT";
  quantity: Decimal;
  entryPrice: Decimal;
  leverage: number;
  openedAt: Date;
  stopLoss: SnapshotProtection | null;
  takeProfit: SnapshotProtection | null;
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

export interface BalancesSnapshot {
  accounts: SnapshotAccount[];
  positions: SnapshotPosition[];
}

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
          orders: {
            where: { status: { in: [...PROTECTING_STATUSES] }, role: { in: ["STOP_LOSS", "TAKE_PROFIT"] } },
            orderBy: [{ createdAt: "desc" }, { id: "asc" }],
          },
        },
      },
    },
  });
}

/** Loads the snapshot: one database read, then every account's exchange balances in parallel. */
export async function loadBalancesSnapshot(deps: DeskDeps, userId: string): Promise<BalancesSnapshot> {
  const accounts = await findUserBook(deps.prisma, userId);
  const exchangeSnapshots = await Promise.all(
    accounts.map((account) =>
      gatewayFor(deps, account.exchange).getAccountSnapshot(accountRef(deps, account)),
    ),
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
        };
      }),
    ),
  };
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
