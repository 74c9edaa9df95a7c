import type { Exchange, PrismaClient } from "@tradedesk/db";
import type Decimal from "decimal.js";
import type { PositionSide } from "../exchange/gateway.ts";
import type { AccountRow } from "./exchange-accounts.ts";
import { toDecimal } from "./money.ts";

export interface ProtectiveOrderRow {
  id: string;
  role: "STOP_LOSS" | "TAKE_PROFIT";
  type: "STOP_MARKET" | "TAKE_PROFIT_MARKET";
  clientOrderId: string;
  triggerPrice: Decimal;
  createdAt: Date;
}

export interface OwnedPosition {
  id: string;
  symbol: string;
  side: PositionSide;
  quantity: Decimal;
  entryPrice: Decimal;
  leverage: number;
  status: "OPEN" | "CLOSED";
  openedAt: Date;
  /** Booked so far (a reduction the reconciler followed); the close adds to it. */
  realizedPnl: Decimal;
  account: AccountRow;
  /** Its live (or still PENDING) stop-loss / take-profit orders, newest first. */
  protectiveOrders: ProtectiveOrderRow[];
}

interface Row {
  id: string;
  symbol: string;
  side: PositionSide;
  quantity: string;
  entry_price: string;
  leverage: number;
  status: "OPEN" | "CLOSED";
  opened_at: Date;
  realized_pnl: string;
  account_id: string;
  exchange: Exchange;
  testnet: boolean;
  api_key_encrypted: string | null;
  api_secret_encrypted: string | null;
  protective: {
    id: string;
    role: "STOP_LOSS" | "TAKE_PROFIT";
    type: "STOP_MARKET" | "TAKE_PROFIT_MARKET";
    clientOrderId: string;
    triggerPrice: string;
    createdAt: string;
  }[];
}

/**
 * The position, its account and its open protective orders in ONE statement, with the
 * ownership check in the join: another user's position is simply not found. Amounts are
 * read as text so no float ever touches them.
 */
export async function findOwnedPosition(
  prisma: PrismaClient,
  userId: string,
  positionId: string,
): Promise<OwnedPosition | null> {
  const rows = await prisma.$queryRaw<Row[]>`
    SELECT p.id::text AS id, p.symbol, p.side::text AS side, p.quantity::text AS quantity,
           p.entry_price::text AS entry_price, p.leverage, p.status::text AS status,
           p.opened_at, p.realized_pnl::text AS realized_pnl,
           a.id::text AS account_id, a.exchange::text AS exchange, a.testnet,
           a.api_key_encrypted, a.api_secret_encrypted,
           COALESCE(protection.orders, '[]'::json) AS protective
      FROM positions p
      JOIN exchange_accounts a ON a.id = p.account_id AND a.user_id = ${userId}::uuid
      LEFT JOIN LATERAL (
        SELECT json_agg(json_build_object(
                 'id', o.id, 'role', o.role, 'type', o.type, 'clientOrderId', o.client_order_id,
                 'triggerPrice', o.trigger_price::text, 'createdAt', o.created_at
               ) ORDER BY o.created_at DESC, o.id) AS orders
          FROM orders o
         WHERE o.position_id = p.id AND o.status IN ('PENDING', 'NEW', 'PARTIALLY_FILLED')
           AND o.role IN ('STOP_LOSS', 'TAKE_PROFIT')
      ) protection ON true
     WHERE p.id = ${positionId}::uuid`;
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.id,
    symbol: row.symbol,
    side: row.side,
    quantity: toDecimal(row.quantity),
    entryPrice: toDecimal(row.entry_price),
    leverage: row.leverage,
    status: row.status,
    openedAt: new Date(row.opened_at),
    realizedPnl: toDecimal(row.realized_pnl),
    account: {
      id: row.account_id,
      exchange: row.exchange,
      testnet: row.testnet,
      apiKeyEncrypted: row.api_key_encrypted,
      apiSecretEncrypted: row.api_secret_encrypted,
    },
    protectiveOrders: row.protective.map((order) => ({
      id: order.id,
      role: order.role,
      type: order.type,
      clientOrderId: order.clientOrderId,
      triggerPrice: toDecimal(order.triggerPrice),
      createdAt: new Date(order.createdAt),
    })),
  };
}
