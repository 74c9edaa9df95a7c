import { Fragment, useState } from "react";
import { useClosePosition } from "../hooks/useClosePosition.ts";
import { formatPrice, formatQuantity, formatSigned, pnlTone } from "../money.ts";
import type { Position } from "../types.ts";
import { StopLossTakeProfitEditor } from "./StopLossTakeProfitEditor.tsx";

export function positionName(position: Position): string {
  return `${position.symbol} ${position.side.toLowerCase()}`;
}

export function PositionsTable({ positions }: { positions: Position[] }) {
  const [editing, setEditing] = useState<string | null>(null);
  const close = useClosePosition();

  return (
    <>
      <table aria-label="Positions">
        <thead>
          <tr>
            <th scope="col">Symbol</th>
            <th scope="col">Side</th>
            <th scope="col" className="num">
              Quantity
            </th>
            <th scope="col" className="num">
              Entry
            </th>
            <th scope="col" className="num">
              Mark
            </th>
            <th scope="col" className="num">
              PnL
            </th>
            <th scope="col" className="num">
              Stop-loss
            </th>
            <th scope="col" className="num">
              Take-profit
            </th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {positions.length === 0 && (
            <tr>
              <td colSpan={9} className="muted">
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
                  </th>
                  <td className={position.side === "LONG" ? "profit" : "loss"}>{position.side}</td>
                  <td className="num">{formatQuantity(position.quantity)}</td>
                  <td className="num">{formatPrice(position.entryPrice)}</td>
                  <td className="num" aria-label={`${name} mark price`}>
                    {position.markPrice === null ? "—" : formatPrice(position.markPrice)}
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
                    <td colSpan={9}>
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
