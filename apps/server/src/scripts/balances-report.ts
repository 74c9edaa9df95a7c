import type { RouterOutputs } from "@tradedesk/api";

type BalancesRead = RouterOutputs["dashboard"]["balances"];

/** Plain-text table: columns padded to their widest cell, numbers right-aligned. */
function table(headers: string[], rows: string[][], rightAligned: Set<number>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** The balances summary as `pnpm report:balances` prints it; amounts are the server's decimal strings. */
export function formatBalancesReport(email: string, read: BalancesRead): string {
  const source = read.stale
    ? `STALE (cached ${read.ageMs} ms ago; the exchange failed)`
    : read.fromCache
      ? `CACHED (loaded ${read.ageMs} ms ago)`
      : "FRESH (loaded from the database and exchange now)";
  const { accounts, positions, totals } = read.data;
  const balances = table(
    ["account", "asset", "wallet", "available"],
    accounts.flatMap((a) => a.balances.map((b) => [a.label, b.asset, b.walletBalance, b.availableBalance])),
    new Set([2, 3]),
  );
  const open = table(
    ["symbol", "side", "quantity", "entry", "mark", "unrealized pnl", "stop-loss", "take-profit"],
    positions.map((p) => [
      p.symbol,
      p.side,
      p.quantity,
      p.entryPrice,
      p.markPrice ?? "-",
      p.unrealizedPnl ?? "-",
      p.stopLoss?.triggerPrice ?? "-",
      p.takeProfit?.triggerPrice ?? "-",
    ]),
    new Set([2, 3, 4, 5, 6, 7]),
  );
  return [
    `Balances of ${email}: ${source}, as of ${read.asOf}`,
    "",
    balances,
    "",
    positions.length > 0 ? open : "No open positions.",
    "",
    `Totals (${totals.currency}): wallet ${totals.walletBalance}, unrealized pnl ${totals.unrealizedPnl}, equity ${totals.equity}, notional ${totals.notional}`,
  ].join("\n");
}
