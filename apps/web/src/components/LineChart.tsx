import {
  ColorType,
  createChart,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  LineSeries,
  LineStyle,
  type UTCTimestamp,
} from "lightweight-charts";
import { useEffect, useRef } from "react";

export interface ChartPoint {
  time: number;
  /** A decimal string; the chart plots it as a number (drawing only, never arithmetic). */
  value: string;
}
export interface ChartLevel {
  title: string;
  price: string;
  color: string;
}

const COLORS = { text: "#7d8a9a", grid: "#1c2633", line: "#3b82f6" };

/**
 * TradingView's lightweight-charts on a canvas. Its attribution logo is off (it injects a
 * <style> element, which the CSP refuses); the credit is a link beside the chart instead.
 */
export function LineChart({
  points,
  levels,
  label,
}: {
  points: readonly ChartPoint[];
  levels: readonly ChartLevel[];
  label: string;
}) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const series = useRef<ISeriesApi<"Line"> | null>(null);
  const lines = useRef<IPriceLine[]>([]);

  useEffect(() => {
    if (!container.current) return;
    const created = createChart(container.current, {
      autoSize: true,
      layout: {
        background: { type: ColorType.Solid, color: "transparent" },
        textColor: COLORS.text,
        attributionLogo: false,
      },
      grid: { vertLines: { color: COLORS.grid }, horzLines: { color: COLORS.grid } },
      timeScale: { timeVisible: true, secondsVisible: true },
    });
    chart.current = created;
    series.current = created.addSeries(LineSeries, { color: COLORS.line, lineWidth: 2 });
    return () => {
      created.remove();
      chart.current = null;
      series.current = null;
      lines.current = [];
    };
  }, []);

  useEffect(() => {
    series.current?.setData(points.map((p) => ({ time: p.time as UTCTimestamp, value: Number(p.value) })));
  }, [points]);

  useEffect(() => {
    const s = series.current;
    if (!s) return;
    for (const line of lines.current) s.removePriceLine(line);
    lines.current = levels.map((level) =>
      s.createPriceLine({
        price: Number(level.price),
        color: level.color,
        lineWidth: 1,
        lineStyle: LineStyle.Dashed,
        axisLabelVisible: true,
        title: level.title,
      }),
    );
  }, [levels]);

  return <div ref={container} className="chart" role="img" aria-label={label} />;
}
