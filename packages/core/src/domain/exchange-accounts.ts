import type { Exchange } from "@tradedesk/db";
import { ExchangeRejectedError, ExchangeUnavailableError } from "../exchange/errors.ts";
import type {
  ExchangeAccountRef,
  ExchangeGateway,
  ExchangeOrder,
  OrderSide,
  PlaceOrderRequest,
  PositionSide,
} from "../exchange/gateway.ts";
import type { DeskDeps } from "./deps.ts";

/** The columns needed to talk to an account's exchange. */
export interface AccountRow {
  id: string;
  exchange: Exchange;
  testnet: boolean;
  apiKeyEncrypted: string | null;
  apiSecretEncrypted: string | null;
}

/** The columns of an account that talking to its exchange needs, with its owner. */
export const ACCOUNT_ROW_SELECT = {
  id: true,
  userId: true,
  exchange: true,
  testnet: true,
  apiKeyEncrypted: true,
  apiSecretEncrypted: true,
} as const;

export function gatewayFor(deps: DeskDeps, exchange: Exchange): ExchangeGateway {
  const gateway = deps.gateways[exchange];
  if (!gateway) throw new ExchangeUnavailableError(`no ${exchange} exchange is configured on this server`);
  return gateway;
}

/** Keys stay encrypted until the gateway signs a request with them. */
export function accountRef(deps: DeskDeps, account: AccountRow): ExchangeAccountRef {
  const { apiKeyEncrypted, apiSecretEncrypted } = account;
  if (!apiKeyEncrypted || !apiSecretEncrypted) return { id: account.id, testnet: account.testnet };
  return {
    id: account.id,
    testnet: account.testnet,
    credentials: () => {
      const cipher = deps.credentialsCipher;
      if (!cipher)
        throw new ExchangeUnavailableError("exchange keys cannot be decrypted: no credentials key");
      // Bound to this account and field: a value copied from another row does not decrypt.
      return {
        apiKey: cipher.decrypt(apiKeyEncrypted, { accountId: account.id, field: "apiKey" }),
        apiSecret: cipher.decrypt(apiSecretEncrypted, { accountId: account.id, field: "apiSecret" }),
      };
    },
  };
}

/** The exchange side that opens (BUY) or closes (SELL) a LONG, and the reverse for a SHORT. */
export function closingSide(side: PositionSide): OrderSide {
  return side === "LONG" ? "SELL" : "BUY";
}

export function positionSideOf(orderSide: OrderSide): PositionSide {
  return orderSide === "BUY" ? "LONG" : "SHORT";
}

/** Binance's (and the simulated exchange's) code for a clientOrderId it has already accepted. */
const DUPLICATE_CLIENT_ORDER_ID = -4116;

/**
 * Places an entry or exit order. If the exchange already holds this clientOrderId with the same
 * symbol, side, type and quantity, we placed it before and never recorded it (the process
 * stopped, the database failed, or the answer was lost): that order is the answer, so a retry
 * with the same clientOrderId records it instead of failing as a duplicate.
 */
export async function placeOrAdoptOrder(
  gateway: ExchangeGateway,
  account: ExchangeAccountRef,
  request: PlaceOrderRequest,
): Promise<ExchangeOrder> {
  try {
    return await gateway.placeOrder(account, request);
  } catch (error) {
    if (!(error instanceof ExchangeRejectedError && error.code === DUPLICATE_CLIENT_ORDER_ID)) throw error;
    const existing = await gateway.getOrder(account, {
      symbol: request.symbol,
      clientOrderId: request.clientOrderId,
    });
    const same =
      existing?.symbol === request.symbol &&
      existing.side === request.side &&
      existing.type === request.type &&
      existing.quantity.eq(request.quantity);
    if (!same) throw error;
    return existing;
  }
}
