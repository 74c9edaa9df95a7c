import { BALANCES_SUMMARY, MAX_HISTORY_DAYS, ORDER_SIDES } from "@tradedesk/core";
import { z } from "zod";
import { price, quantity } from "./decimal.ts";

/**
 * Every procedure's input. Objects are strict: an unknown key (a `userId`, say) is a
 * BAD_REQUEST, not silently dropped. Amounts arrive as decimal strings and leave as Decimals.
 */

const id = z.uuid();
/** USDT-margined perpetuals, e.g. BTCUSDT. */
export const symbol = z
  .string()
  .max(20)
  .regex(/^[A-Z0-9]{2,16}USDT$/, "must be a USDT-margined symbol such as BTCUSDT");

export const loginInput = z.strictObject({
  email: z.email().max(254),
  password: z.string().min(1).max(256),
});

export const createOrderInput = z
  .strictObject({
    accountId: id,
    clientOrderId: id.optional(),
    symbol,
    side: z.enum(ORDER_SIDES),
    type: z.enum(["MARKET", "LIMIT"]),
    quantity,
    price: price.optional(),
    stopLoss: price.optional(),
    takeProfit: price.optional(),
    leverage: z.int().min(1).max(125).optional(),
  })
  // This schema owns which fields go with which type (naming the field); its output is the
  // domain's command union, which states the rule without checking it again.
  .transform(({ type, price, stopLoss, takeProfit, ...order }, ctx) => {
    const refuse = (field: string, message: string) => {
      ctx.addIssue({ code: "custom", path: [field], message });
    };
    if (type === "MARKET") {
      if (price !== undefined) refuse("price", "a MARKET order takes no price");
      return { ...order, type, stopLoss, takeProfit };
    }
    // A resting LIMIT order has no position to protect yet; add SL/TP once it fills.
    for (const [field, value] of [
      ["stopLoss", stopLoss],
      ["takeProfit", takeProfit],
    ] as const) {
      if (value !== undefined) {
        refuse(
          field,
          `${field} is only accepted with MARKET orders; set it with positions.modifySlTp once the LIMIT order fills`,
        );
      }
    }
    if (price === undefined) {
      refuse("price", "a LIMIT order needs a price");
      return z.NEVER;
    }
    return { ...order, type, price };
  });

export const closePositionInput = z.strictObject({
  positionId: id,
  clientOrderId: id.optional(),
});

export const modifySlTpInput = z
  .strictObject({
    positionId: id,
    /** A price sets it, null removes it, absent keeps it. */
    stopLoss: price.nullable().optional(),
    takeProfit: price.nullable().optional(),
  })
  .refine((input) => input.stopLoss !== undefined || input.takeProfit !== undefined, {
    message: "give stopLoss and/or takeProfit (null removes one)",
    path: ["stopLoss"],
  });

export const invalidateCacheInput = z
  .strictObject({
    dataType: z.enum([BALANCES_SUMMARY]).optional(),
  })
  .optional();

export const listOrdersInput = z
  .strictObject({
    accountId: id.optional(),
    limit: z.int().min(1).max(100).default(50),
    /** The previous page's nextCursor; opaque (the domain reads it and refuses one it did not give). */
    cursor: z.string().min(1).max(64).optional(),
  })
  .optional();

export const marketSymbolsInput = z.strictObject({ accountId: id });

export const marketQuoteInput = z.strictObject({ accountId: id, symbol });

/** One order by id, or every open order of a symbol on an account ("cancel all"). */
export const cancelOrdersInput = z
  .strictObject({
    orderId: id.optional(),
    accountId: id.optional(),
    symbol: symbol.optional(),
  })
  .superRefine((input, ctx) => {
    if (input.orderId !== undefined) {
      for (const field of ["accountId", "symbol"] as const) {
        if (input[field] !== undefined)
          ctx.addIssue({
            code: "custom",
            path: [field],
            message: "give an orderId, or an accountId and a symbol, not both",
          });
      }
      return;
    }
    for (const field of ["accountId", "symbol"] as const) {
      if (input[field] === undefined)
        ctx.addIssue({
          code: "custom",
          path: [field],
          message: "required to cancel all orders of a symbol (or give an orderId)",
        });
    }
  })
  .transform((input) =>
    input.orderId !== undefined
      ? { orderId: input.orderId }
      : { accountId: input.accountId as string, symbol: input.symbol as string },
  );

export const closedPositionsInput = z
  .strictObject({
    accountId: id.optional(),
    limit: z.int().min(1).max(100).default(20),
    cursor: id.optional(),
  })
  .optional();

const day = z.iso.date({ message: "must be a date, YYYY-MM-DD" });

/**
 * A range of UTC days: the last N (today included), or from / to (inclusive); default the last 90.
 * Optionally one account, one symbol.
 */
export const historyInput = z
  .strictObject({
    accountId: id.optional(),
    symbol: symbol.optional(),
    lastDays: z
      .int({ message: "must be a whole number of days" })
      .min(1, "must be at least 1")
      .max(MAX_HISTORY_DAYS, `must be at most ${MAX_HISTORY_DAYS}`)
      .optional(),
    from: day.optional(),
    to: day.optional(),
  })
  .superRefine((input, ctx) => {
    if (input.lastDays !== undefined && (input.from !== undefined || input.to !== undefined)) {
      ctx.addIssue({ code: "custom", path: ["lastDays"], message: "give lastDays, or from / to, not both" });
    }
    if (input.from !== undefined && input.to !== undefined && input.from > input.to) {
      ctx.addIssue({ code: "custom", path: ["from"], message: "must not be after to" });
    }
  })
  .optional();

/** Keys are checked again by the domain (printable, no spaces) and then by Binance itself. */
const apiCredential = z.string().min(1, "is required").max(256, "must be at most 256 characters");
const accountLabel = z.string().trim().min(1, "is required").max(64, "must be at most 64 characters");

export const addAccountInput = z.strictObject({
  exchange: z.literal("BINANCE_USDM", { message: 'must be "BINANCE_USDM"' }).default("BINANCE_USDM"),
  label: accountLabel,
  apiKey: apiCredential,
  apiSecret: apiCredential,
  testnet: z.boolean().default(false),
});

export const renameAccountInput = z.strictObject({ accountId: id, label: accountLabel });

export const removeAccountInput = z.strictObject({ accountId: id });

export type LoginInput = z.input<typeof loginInput>;
export type AddAccountInput = z.input<typeof addAccountInput>;
export type CreateOrderInput = z.input<typeof createOrderInput>;
export type ClosePositionInput = z.input<typeof closePositionInput>;
export type ModifySlTpInput = z.input<typeof modifySlTpInput>;
export type InvalidateCacheInput = z.input<typeof invalidateCacheInput>;
export type ListOrdersInput = z.input<typeof listOrdersInput>;
export type CancelOrdersInput = z.input<typeof cancelOrdersInput>;
export type ClosedPositionsInput = z.input<typeof closedPositionsInput>;
export type HistoryInput = z.input<typeof historyInput>;
