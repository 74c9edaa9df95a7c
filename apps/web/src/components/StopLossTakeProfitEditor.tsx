import { type FormEvent, useState } from "react";
import { formErrorsOf } from "../form-errors.ts";
import { useModifySlTp } from "../hooks/useModifySlTp.ts";
import type { Position } from "../types.ts";
import { TextField } from "./Field.tsx";
import { positionName } from "./position-name.ts";

/**
 * Moves a position's stop-loss / take-profit. An emptied field removes that protection; an
 * unchanged one is not sent, so its order on the exchange is left alone.
 */
export function StopLossTakeProfitEditor({ position, onDone }: { position: Position; onDone: () => void }) {
  const initialStopLoss = position.stopLoss?.triggerPrice ?? "";
  const initialTakeProfit = position.takeProfit?.triggerPrice ?? "";
  const [stopLoss, setStopLoss] = useState(initialStopLoss);
  const [takeProfit, setTakeProfit] = useState(initialTakeProfit);
  const modify = useModifySlTp();
  const errors = formErrorsOf(modify.error);
  const name = positionName(position);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const change: { positionId: string; stopLoss?: string | null; takeProfit?: string | null } = {
      positionId: position.id,
    };
    if (stopLoss.trim() !== initialStopLoss)
      change.stopLoss = stopLoss.trim() === "" ? null : stopLoss.trim();
    if (takeProfit.trim() !== initialTakeProfit)
      change.takeProfit = takeProfit.trim() === "" ? null : takeProfit.trim();
    if (change.stopLoss === undefined && change.takeProfit === undefined) {
      onDone();
      return;
    }
    modify.mutate(change, { onSuccess: onDone });
  };

  return (
    <form
      className="inline-form"
      onSubmit={submit}
      aria-label={`Stop-loss and take-profit of ${name}`}
      noValidate
    >
      <TextField
        label={`Stop-loss for ${name}`}
        error={errors.fields.stopLoss}
        inputMode="decimal"
        placeholder="none"
        value={stopLoss}
        onChange={setStopLoss}
      />
      <TextField
        label={`Take-profit for ${name}`}
        error={errors.fields.takeProfit}
        inputMode="decimal"
        placeholder="none"
        value={takeProfit}
        onChange={setTakeProfit}
      />
      <div className="buttons">
        <button type="submit" className="primary" disabled={modify.isPending}>
          {modify.isPending ? "Saving…" : "Save"}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
      {errors.form && (
        <p role="alert" className="error">
          {errors.form}
        </p>
      )}
    </form>
  );
}
