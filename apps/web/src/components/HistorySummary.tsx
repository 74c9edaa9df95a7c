import {
  describeFreshness,
  describeWinRate,
  HISTORY_STALE_MS,
  type HistorySymbol,
  historyHeading,
  historyQuery,
} from "../history.ts";
import { formatAmount, formatSigned, pnlTone } from "../money.ts";
import { trpc } from "../trpc.ts";
import { type Figure, Figures } from "./Figures.tsx";

/**
 * The history's totals over its range (history.summary): PnL, fees, net, volume, counts and the
 * win rate; of every
 * symbol or the chosen one.
 */
export function HistorySummary({ symbol }: { symbol: HistorySymbol }) {
  const summary = trpc.history.summary.useQuery(historyQuery(symbol), { staleTime: HISTORY_STALE_MS });
  const totals = summary.data?.totals;
  const figures: Figure[] = totals
    ? [
        { label: "Realized PnL", value: formatSigned(totals.realizedPnl), tone: pnlTone(totals.realizedPnl) },
        { label: "Fees", value: formatAmount(totals.fees) },
        { label: "Net", value: formatSigned(totals.net), tone: pnlTone(totals.net) },
        { label: "Volume", value: formatAmount(totals.volume) },
        { label: "Closed positions", value: String(totals.closedPositions) },
        { label: "Win rate", value: describeWinRate(totals) },
        { label: "Filled orders", value: String(totals.filledOrders) },
      ]
    : [];
  return (
    <section className="card" aria-labelledby="history-summary-heading">
      <div className="section-head">
        <h2 id="history-summary-heading">{historyHeading(symbol)}</h2>
        <span className="spacer" />
        <span className="muted small">USDT</span>
      </div>
      {summary.error && <p role="alert">History unavailable: {summary.error.message}</p>}
      <Figures figures={figures} columns={1} />
      {summary.data && (
        <p className="muted small">
          <output aria-label="History as of" aria-live="off">
            {describeFreshness(summary.data)}
          </output>
        </p>
      )}
    </section>
  );
}
