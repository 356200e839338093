// Time-series and bar charts on uPlot (canvas, fast on thousands of points).

import { h } from "../vendor/preact.js";
import htm from "../vendor/htm.js";
import { useEffect, useRef } from "../vendor/preact-hooks.js";
import uPlot from "../vendor/uplot.js";

const html = htm.bind(h);
const PALETTE = ["#2563eb", "#16a34a", "#dc2626", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"];

/**
 * A line chart. ``x``: times in seconds since the epoch; ``series``: [{label, values}].
 * ``format`` formats the y axis and the legend values.
 */
export function TimeChart({ x, series, height = 220, format = (v) => v, bars = false }) {
  const ref = useRef(null);
  useEffect(() => {
    if (!ref.current) return undefined;
    const width = ref.current.clientWidth || 600;
    const options = {
      width,
      height,
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [{}, { values: (u, ticks) => ticks.map((t) => format(t)), size: 70 }],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: PALETTE[i % PALETTE.length],
          fill: bars ? `${PALETTE[i % PALETTE.length]}55` : undefined,
          width: 2,
          value: (u, v) => (v === null || v === undefined ? "–" : format(v)),
          paths: bars ? uPlot.paths.bars({ size: [0.6, 40] }) : undefined,
          points: { show: x.length < 60 },
        })),
      ],
    };
    const plot = new uPlot(options, [x, ...series.map((s) => s.values)], ref.current);
    const resize = new ResizeObserver(() => plot.setSize({ width: ref.current.clientWidth, height }));
    resize.observe(ref.current);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [JSON.stringify([x, series.map((s) => [s.label, s.values])]), height]);
  return html`<div class="chart" ref=${ref}></div>`;
}

/** Horizontal bars for a ranking (top names, cost by model): [{label, value}]. */
export function BarList({ items, format = (v) => v, empty = "No data" }) {
  if (!items || items.length === 0) return html`<div class="muted">${empty}</div>`;
  const max = Math.max(...items.map((i) => i.value || 0), 1e-12);
  return html`<div class="barlist">
    ${items.map((item) => html`<div class="bar-row" key=${item.label}>
      <div class="bar" style=${{ width: `${Math.max(2, (100 * (item.value || 0)) / max)}%` }}></div>
      <span class="bar-label" title=${item.label}>${item.label || "(none)"}</span>
      <span class="bar-value">${format(item.value)}</span>
    </div>`)}
  </div>`;
}
