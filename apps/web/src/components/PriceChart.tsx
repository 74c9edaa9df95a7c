import { useEffect, useMemo, useState } from "react";
import { marksOf, onMarks } from "../mark-history.ts";
import { formatPrice } from "../money.ts";
import type { Position } from "../types.ts";
import { type ChartLevel, LineChart } from "./LineChart.tsx";
import { positionName } from "./position-name.ts";

/** The selected position's symbol: its live mark price with entry, stop-loss and take-profit lines. */
export function PriceChart({ positions }: { positions: Position[] }) {
  const [selected, setSelected] = useState<string | null>(null);
  const position = positions.find((p) => p.id === selected) ?? positions[0];
  const symbol = position?.symbol;
  const [version, setVersion] = useState(0);
  useEffect(() => onMarks((changed) => changed === symbol && setVersion((v) => v + 1)), [symbol]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: version is the store's change signal
  const points = useMemo(
    () => (symbol ? marksOf(symbol).map((p) => ({ time: p.time, value: p.price })) : []),
    [symbol, version],
  );
  const levels = useMemo<ChartLevel[]>(() => {
    if (!position) return [];
    const list: ChartLevel[] = [{ title: "Entry", price: position.entryPrice, color: "#7d8a9a" }];
    if (position.stopLoss)
      list.push({ title: "SL", price: position.stopLoss.triggerPrice, color: "#ef4444" });
    if (position.takeProfit)
      list.push({ title: "TP", price: position.takeProfit.triggerPrice, color: "#22c55e" });
    return list;
  }, [position]);
  const last = points.at(-1);

  return (
    <section className="card" aria-labelledby="chart-heading">
      <div className="section-head">
        <h2 id="chart-heading">Price</h2>
        {positions.length > 0 && (
          <select
            aria-label="Chart symbol"
            value={position?.id ?? ""}
            onChange={(e) => setSelected(e.target.value)}
          >
            {positions.map((p) => (
              <option key={p.id} value={p.id}>
                {positionName(p)}
              </option>
            ))}
          </select>
        )}
        <span className="spacer" />
        {symbol && (
          <output aria-label="Chart last price" className="num">
            {last ? `${symbol} ${formatPrice(last.value)}` : "waiting for a price"}
          </output>
        )}
      </div>
      {symbol ? (
        <LineChart points={points} levels={levels} label={`${symbol} mark price chart`} />
      ) : (
        <p className="muted">Open a position to chart its symbol</p>
      )}
      <p className="muted small credit">
        Live mark prices since this page opened. Charts by{" "}
        <a href="https://www.tradingview.com/" target="_blank" rel="noreferrer">
          TradingView
        </a>
      </p>
    </section>
  );
}
