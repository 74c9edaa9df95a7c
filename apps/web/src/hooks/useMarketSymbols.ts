import { trpc } from "../trpc.ts";

/** The server caches the exchange's symbols and filters 5 minutes: asking sooner gains nothing. */
const MARKET_SYMBOLS_STALE_MS = 5 * 60_000;

/** The symbols the account's exchange trades, with their steps and minimums (the order form's). */
export function useMarketSymbols(accountId: string) {
  return trpc.market.symbols.useQuery(
    { accountId },
    { enabled: accountId !== "", staleTime: MARKET_SYMBOLS_STALE_MS },
  );
}

/** The symbols every account's exchange trades: the order form's queries, one per account. */
export function useListedSymbols(accounts: readonly { id: string }[]): string[] {
  const listed = trpc.useQueries((t) =>
    accounts.map((account) =>
      t.market.symbols({ accountId: account.id }, { staleTime: MARKET_SYMBOLS_STALE_MS }),
    ),
  );
  return listed.flatMap((query) => query.data?.symbols.map((s) => s.symbol) ?? []);
}
