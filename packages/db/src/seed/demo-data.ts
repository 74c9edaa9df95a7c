import Decimal from "decimal.js";
import type { OrderSide, PositionSide } from "../client.ts";

// The demo desk: two traders on the simulated exchange, a few open positions on the majors with
// realistic prices, protective orders on some of them, and a little history. Amounts are decimal
// strings; every clientOrderId is fixed so the data is the same on every machine.

export const DEMO_PASSWORD = "tradedesk-demo";
export const SIMULATED_ACCOUNT_LABEL = "Simulated";

export interface SeedOrder {
  role: "ENTRY" | "EXIT" | "STOP_LOSS" | "TAKE_PROFIT";
  clientOrderId: string;
  side: OrderSide;
  type: "MARKET" | "STOP_MARKET" | "TAKE_PROFIT_MARKET";
  quantity: string;
  /** Protective orders: the trigger; fills: the average price. */
  price: string;
  status: "NEW" | "FILLED";
  hoursAgo: number;
}

export interface SeedPosition {
  symbol: "BTCUSDT" | "ETHUSDT" | "SOLUSDT";
  side: PositionSide;
  quantity: string;
  entryPrice: string;
  leverage: number;
  openedHoursAgo: number;
  /** Set for a closed position: the exit fill. */
  closed?: { exitPrice: string; hoursAgo: number };
  stopLoss?: string;
  takeProfit?: string;
}

export interface SeedUser {
  email: string;
  role: "TRADER" | "ADMIN";
  /** Short tag for deterministic clientOrderIds. */
  tag: string;
  positions: SeedPosition[];
}

export const demoUsers: SeedUser[] = [
  {
    email: "demo@example.com",
    role: "TRADER",
    tag: "demo",
    positions: [
      {
        symbol: "BTCUSDT",
        side: "LONG",
        quantity: "0.5",
        entryPrice: "64250.5",
        leverage: 5,
        openedHoursAgo: 30,
        stopLoss: "62000",
        takeProfit: "68500",
      },
      {
        symbol: "ETHUSDT",
        side: "SHORT",
        quantity: "4",
        entryPrice: "3425.75",
        leverage: 3,
        openedHoursAgo: 12,
        stopLoss: "3560",
      },
      {
        symbol: "SOLUSDT",
        side: "LONG",
        quantity: "25",
        entryPrice: "148.32",
        leverage: 2,
        openedHoursAgo: 5,
      },
      {
        symbol: "BTCUSDT",
        side: "LONG",
        quantity: "0.2",
        entryPrice: "61800",
        leverage: 4,
        openedHoursAgo: 96,
        closed: { exitPrice: "63150.25", hoursAgo: 72 },
      },
    ],
  },
  {
    email: "ops@example.com",
    role: "ADMIN",
    tag: "ops",
    positions: [
      {
        symbol: "ETHUSDT",
        side: "LONG",
        quantity: "2",
        entryPrice: "3380.1",
        leverage: 2,
        openedHoursAgo: 20,
        takeProfit: "3620",
      },
      {
        symbol: "SOLUSDT",
        side: "SHORT",
        quantity: "40",
        entryPrice: "152.4",
        leverage: 3,
        openedHoursAgo: 8,
        stopLoss: "158.5",
        takeProfit: "141",
      },
      {
        symbol: "ETHUSDT",
        side: "SHORT",
        quantity: "1.5",
        entryPrice: "3510",
        leverage: 2,
        openedHoursAgo: 120,
        closed: { exitPrice: "3462.4", hoursAgo: 100 },
      },
    ],
  },
];

/** Realized PnL of closing a position at exitPrice: (exit - entry) x quantity, negated for a short. */
export function realizedPnl(position: SeedPosition, exitPrice: string): string {
  const perUnit = new Decimal(exitPrice).minus(position.entryPrice);
  const pnl = perUnit.times(position.quantity);
  return (position.side === "LONG" ? pnl : pnl.negated()).toFixed();
}

/** The orders of a seeded position: its entry fill, its exit fill if closed, its protection if open. */
export function ordersOf(user: SeedUser, position: SeedPosition, index: number): SeedOrder[] {
  const opening = position.side === "LONG" ? "BUY" : "SELL";
  const closing = position.side === "LONG" ? "SELL" : "BUY";
  const id = (what: string) => `seed-${user.tag}-${index}-${what}`;
  const orders: SeedOrder[] = [
    {
      role: "ENTRY",
      clientOrderId: id("entry"),
      side: opening,
      type: "MARKET",
      quantity: position.quantity,
      price: position.entryPrice,
      status: "FILLED",
      hoursAgo: position.openedHoursAgo,
    },
  ];
  if (position.closed) {
    orders.push({
      role: "EXIT",
      clientOrderId: id("exit"),
      side: closing,
      type: "MARKET",
      quantity: position.quantity,
      price: position.closed.exitPrice,
      status: "FILLED",
      hoursAgo: position.closed.hoursAgo,
    });
    return orders;
  }
  const protection = [
    ["STOP_LOSS", "STOP_MARKET", position.stopLoss, id("sl")],
    ["TAKE_PROFIT", "TAKE_PROFIT_MARKET", position.takeProfit, id("tp")],
  ] as const;
  for (const [role, type, trigger, clientOrderId] of protection) {
    if (trigger === undefined) continue;
    orders.push({
      role,
      clientOrderId,
      side: closing,
      type,
      quantity: position.quantity,
      price: trigger,
      status: "NEW",
      hoursAgo: position.openedHoursAgo,
    });
  }
  return orders;
}
