import type { Position } from "../types.ts";

/** How controls name a position for screen readers and tests: "BTCUSDT long". */
export function positionName(position: Position): string {
  return `${position.symbol} ${position.side.toLowerCase()}`;
}
