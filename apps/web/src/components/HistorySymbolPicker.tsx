import type { HistorySymbol } from "../history.ts";
import { Field } from "./Field.tsx";

/** One choice for both the PnL curve and the history summary: all symbols, or one of them. */
export function HistorySymbolPicker({
  symbol,
  choices,
  onChange,
}: {
  symbol: HistorySymbol;
  choices: readonly string[];
  onChange: (symbol: HistorySymbol) => void;
}) {
  return (
    <div className="card">
      <Field label="History for" error={undefined}>
        {(props) => (
          <select {...props} value={symbol ?? ""} onChange={(e) => onChange(e.target.value || null)}>
            <option value="">All symbols</option>
            {choices.map((choice) => (
              <option key={choice} value={choice}>
                {choice}
              </option>
            ))}
          </select>
        )}
      </Field>
    </div>
  );
}
