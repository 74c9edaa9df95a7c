import { markToMarket } from "@tradedesk/api/pure";
import type { BalancesRead } from "./types.ts";

/**
 * Applies a mark-price tick from the events stream to the balances on screen, by the server's
 * own rule (markToMarket), so the next refetch agrees with what the tick showed. Unchanged
 * balances come back as the same object.
 */
export function withTick(read: BalancesRead, prices: Record<string, string>, at: string): BalancesRead {
  const data = markToMarket(
    read.data,
    (position) => {
      const price = prices[position.symbol];
      // A tick just pushed by the feed: as fresh as prices get.
      return price === undefined ? undefined : { price, ageMs: 0, stale: false };
    },
    at,
  );
  return data === read.data ? read : { ...read, data };
}
