import type { Exchange } from "@tradedesk/db";
import { ExchangeUnavailableError } from "../exchange/errors.ts";
import type { ExchangeAccountRef, ExchangeGateway } from "../exchange/gateway.ts";
import type { DeskDeps } from "./deps.ts";

/** The columns needed to talk to an account's exchange. */
export interface AccountRow {
  id: string;
  exchange: Exchange;
  testnet: boolean;
  apiKeyEncrypted: string | null;
  apiSecretEncrypted: string | null;
}

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
      return { apiKey: cipher.decrypt(apiKeyEncrypted), apiSecret: cipher.decrypt(apiSecretEncrypted) };
    },
  };
}

/** The exchange side that opens (BUY) or closes (SELL) a LONG, and the reverse for a SHORT. */
export function closingSide(side: "LONG" | "SHORT"): "BUY" | "SELL" {
  return side === "LONG" ? "SELL" : "BUY";
}

export function positionSideOf(orderSide: "BUY" | "SELL"): "LONG" | "SHORT" {
  return orderSide === "BUY" ? "LONG" : "SHORT";
}
