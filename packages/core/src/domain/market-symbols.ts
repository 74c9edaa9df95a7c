import type { DeskDeps } from "./deps.ts";
import { NotFoundError } from "./errors.ts";
import { toWire } from "./money.ts";
import type { SymbolsView } from "./views.ts";

/**
 * What the order form needs of an account's exchange: its symbols, their steps and minimums,
 * from the rules the desk checks orders against (cached 5 minutes), with their age.
 */
export async function listSymbols(deps: DeskDeps, userId: string, accountId: string): Promise<SymbolsView> {
  const account = await deps.prisma.exchangeAccount.findFirst({
    where: { id: accountId, userId },
    select: { exchange: true },
  });
  if (!account) throw new NotFoundError("account");
  const known = await deps.rules(account.exchange).get();
  return {
    symbols: [...known.symbols.values()]
      .filter((rules) => rules.status === "TRADING")
      .sort((a, b) => a.symbol.localeCompare(b.symbol))
      .map((rules) => ({
        symbol: rules.symbol,
        baseAsset: rules.baseAsset,
        quoteAsset: rules.quoteAsset,
        tickSize: toWire(rules.tickSize),
        stepSize: toWire(rules.stepSize),
        minQuantity: toWire(rules.minQuantity),
        maxQuantity: toWire(rules.maxQuantity),
        marketStepSize: toWire(rules.marketStepSize),
        marketMinQuantity: toWire(rules.marketMinQuantity),
        marketMaxQuantity: toWire(rules.marketMaxQuantity),
        minNotional: toWire(rules.minNotional),
      })),
    asOf: new Date(known.loadedAt).toISOString(),
    ageMs: known.ageMs,
    stale: known.stale,
  };
}
