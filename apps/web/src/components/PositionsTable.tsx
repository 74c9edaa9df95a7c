import { Fragment, useState } from "react";
import { useClosePosition } from "../hooks/useClosePosition.ts";
import { formatPrice, formatQuantity, formatSigned, pnlTone } from "../money.ts";
import type { Position } from "../types.ts";
import { ExternalOrdersBadge } from "./ExternalOrdersBadge.tsx";
import { positionName } from "./position-name.ts";
import { StopLossTakeProfitEditor } from "./StopLossTakeProfitEditor.tsx";

const COLUMNS = [
  { label: "Symbol", numeric: false },
  { label: "Side", numeric: false },
  { label: "Quantity", numeric: true },
  { label: "Entry", numeric: true },
  { label: "Mark", numeric: true },
  { label: "PnL", numeric: true },
  { label: "Stop-loss", numeric: true },
  { label: "Take-profit", numeric: true },
];

export function PositionsTable({ positions }: { positions: Position[] }) {
  const [editing, setEditing] = useState<string | null>(null);
  const close = useClosePosition();

  return (
    <>
      <table aria-label="Positions">
        <thead>
          <tr>
            {COLUMNS.map((column) => (
              <th key={column.label} scope="col" className={column.numeric ? "num" : undefined}>
                {column.label}
              </th>
            ))}
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {positions.length === 0 && (
            <tr>
              <td colSpan={COLUMNS.length + 1} className="muted">
                No open positions
              </td>
            </tr>
          )}
          {positions.map((position) => {
            const name = positionName(position);
            const closing = close.isPending && close.variables?.positionId === position.id;
            return (
              <Fragment key={position.id}>
                <tr aria-label={`${name} position`}>
                  <th scope="row">
                    {position.symbol} <span className="tag">{position.leverage}x</span>
                    <ExternalOrdersBadge count={position.externalOrders} />
                  </th>
                  <td className={position.side === "LONG" ? "profit" : "loss"}>{position.side}</td>
                  <td className="num">{formatQuantity(position.quantity)}</td>
                  <td className="num">{formatPrice(position.entryPrice)}</td>
                  <td className="num" aria-label={`${name} mark price`}>
                    {position.markPrice === null ? "—" : formatPrice(position.markPrice)}
                    {position.markPriceStale && position.markPriceAgeMs !== null ? (
                      <span
                        className="tag stale"
                        title={`The exchange's price stream is late: this price is ${Math.round(position.markPriceAgeMs / 1000)} s old`}
                      >
                        {" "}
                        stale
                      </span>
                    ) : null}
                  </td>
                  <td className={`num ${pnlTone(position.unrealizedPnl)}`} aria-label={`${name} PnL`}>
                    {position.unrealizedPnl === null ? "—" : formatSigned(position.unrealizedPnl)}
                  </td>
                  <td className="num" aria-label={`${name} stop-loss`}>
                    {position.stopLoss ? formatPrice(position.stopLoss.triggerPrice) : "—"}
                  </td>
                  <td className="num" aria-label={`${name} take-profit`}>
                    {position.takeProfit ? formatPrice(position.takeProfit.triggerPrice) : "—"}
                  </td>
                  <td className="actions">
                    <button
                      type="button"
                      aria-expanded={editing === position.id}
                      aria-label={`Edit stop-loss and take-profit of ${name}`}
                      onClick={() => setEditing(editing === position.id ? null : position.id)}
                    >
                      SL/TP
                    </button>
                    <button
                      type="button"
                      className="danger"
                      aria-label={`Close ${name} position`}
                      disabled={closing}
                      onClick={() => close.mutate({ positionId: position.id })}
                    >
                      {closing ? "Closing…" : "Close"}
                    </button>
                  </td>
                </tr>
                {editing === position.id && (
                  <tr className="editor-row">
                    <td colSpan={COLUMNS.length + 1}>
                      <StopLossTakeProfitEditor position={position} onDone={() => setEditing(null)} />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
      {close.error && (
        <p role="alert" className="error">
          Could not close the position: {close.error.message}
        </p>
      )}
    </>
  );
}
