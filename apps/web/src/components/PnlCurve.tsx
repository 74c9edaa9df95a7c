import Decimal from "decimal.js";
import { useMemo } from "react";
import {
  describeFreshness,
  HISTORY_RANGE,
  HISTORY_STALE_MS,
  type HistorySymbol,
  historyQuery,
  withSymbol,
} from "../history.ts";
import { formatSigned } from "../money.ts";
import { trpc } from "../trpc.ts";
import { LineChart } from "./LineChart.tsx";

/**
 * Cumulative realized PnL per UTC day over the history's range (history.daily: the daily view,
 * today live), summed in decimal.js; of every symbol or the chosen one.
 */
export function PnlCurve({ symbol }: { symbol: HistorySymbol }) {
  const history = trpc.history.daily.useQuery(historyQuery(symbol), { staleTime: HISTORY_STALE_MS });
  const points = useMemo(() => {
    let total = new Decimal(0);
    return (history.data?.days ?? []).map((day) => {
      total = total.plus(day.realizedPnl);
      return { time: Date.parse(`${day.day}T00:00:00Z`) / 1000, value: total.toFixed() };
    });
  }, [history.data]);
  const total = history.data?.totals.realizedPnl ?? "0";
  return (
    <section className="card" aria-labelledby="pnl-curve-heading">
      <div className="section-head">
        <h2 id="pnl-curve-heading">{withSymbol("Realized PnL", symbol)}</h2>
        <span className="spacer" />
        <output aria-label="Realized PnL total" className="num">
          {formatSigned(total)} USDT
        </output>
      </div>
      {history.error && <p role="alert">History unavailable: {history.error.message}</p>}
      {points.length > 0 ? (
        <LineChart points={points} levels={[]} label={withSymbol("Realized PnL curve", symbol)} />
      ) : (
        <p className="muted">No closed positions yet</p>
      )}
      {history.data && (
        <p className="muted small">
          Last {HISTORY_RANGE.lastDays} days.{" "}
          <output aria-label="Realized PnL as of" aria-live="off">
            {describeFreshness(history.data)}
          </output>
        </p>
      )}
    </section>
  );
}
