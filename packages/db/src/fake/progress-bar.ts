import { Presets, SingleBar } from "cli-progress";
import type { FakeHistoryProgress } from "./fake-history.ts";

/** A terminal progress bar for fakeTradingHistory: orders written, the month, the step, time taken. */
export function fakeHistoryProgressBar(): {
  onProgress: (progress: FakeHistoryProgress) => void;
  stop: () => void;
} {
  const bar = new SingleBar(
    {
      format: "{step} |{bar}| {value}/{total} orders | month {monthsDone}/{months} | {duration_formatted}",
      formatValue: (value, _options, type) =>
        type === "value" || type === "total" ? value.toLocaleString("en") : String(value),
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  const payload = (p: FakeHistoryProgress) => ({
    step: p.step.padEnd(10),
    monthsDone: p.monthsDone,
    months: p.months,
  });
  let shown = false;
  return {
    onProgress: (progress) => {
      if (!shown) {
        bar.start(progress.orders, 0, payload(progress));
        shown = true;
      }
      bar.update(progress.ordersDone, payload(progress));
    },
    stop: () => bar.stop(),
  };
}
