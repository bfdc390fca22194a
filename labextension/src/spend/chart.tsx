/**
 * Two tiny inline-SVG charts (no chart library): burn rate by kind, and the `mine` rate history.
 */
import * as React from 'react';

import { IHistoryPoint } from '../types';

/** The <svg> of a chart, `width` × `height`, labelled for screen readers. */
function ChartSvg(props: {
  width: number;
  height: number;
  title: string;
  children: React.ReactNode;
}): React.ReactElement {
  const { width, height, title, children } = props;
  return (
    <svg
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      className="jp-CostWidget-chart"
      aria-label={title}
    >
      {children}
    </svg>
  );
}

/** Horizontal bars: one per row, label left, value right. */
export function BarChart(props: {
  rows: ReadonlyArray<{ label: string; value: number; text: string }>;
  title: string;
}): React.ReactElement {
  const { rows, title } = props;
  const width = 360;
  const rowHeight = 20;
  const labelWidth = 120;
  const valueWidth = 80;
  const height = Math.max(1, rows.length) * rowHeight;
  const max = Math.max(0, ...rows.map(r => r.value));
  const barSpace = width - labelWidth - valueWidth;
  return (
    <ChartSvg width={width} height={height} title={title}>
      {rows.map((row, i) => {
        const y = i * rowHeight;
        const w = max > 0 ? Math.max(1, (row.value / max) * barSpace) : 1;
        return (
          <React.Fragment key={i}>
            <text x={0} y={y + 14} className="jp-CostWidget-chart-label">
              {row.label}
            </text>
            <rect
              x={labelWidth}
              y={y + 4}
              width={w}
              height={rowHeight - 8}
              className="jp-CostWidget-chart-bar"
            />
            <text
              x={labelWidth + w + 4}
              y={y + 14}
              className="jp-CostWidget-chart-value"
            >
              {row.text}
            </text>
          </React.Fragment>
        );
      })}
    </ChartSvg>
  );
}

/** A line of the `mine` rate over time; gaps where the rate was unknown. */
export function HistoryChart(props: {
  points: ReadonlyArray<IHistoryPoint>;
  title: string;
  maxLabel: (max: number) => string;
}): React.ReactElement {
  const { points, title, maxLabel } = props;
  const width = 360;
  const height = 90;
  const pad = 16;
  const parsed = points
    .map(p => ({ t: new Date(p.t).getTime(), v: p.mine_per_hour }))
    .filter(p => isFinite(p.t));
  const known = parsed.filter(p => p.v !== null) as Array<{
    t: number;
    v: number;
  }>;
  const marks: React.ReactElement[] = [];
  let vMax = 0;
  if (known.length) {
    const t0 = Math.min(...parsed.map(p => p.t));
    const t1 = Math.max(...parsed.map(p => p.t));
    vMax = Math.max(...known.map(p => p.v), 0.01);
    const x = (t: number) =>
      t1 > t0 ? ((t - t0) / (t1 - t0)) * (width - 8) + 4 : width / 2;
    const y = (v: number) => height - pad - (v / vMax) * (height - 2 * pad);
    // One polyline per run of known values.
    let run: string[] = [];
    const flush = () => {
      if (run.length === 1) {
        const [cx, cy] = run[0].split(',');
        marks.push(
          <circle
            key={marks.length}
            cx={cx}
            cy={cy}
            r={2}
            className="jp-CostWidget-chart-dot"
          />
        );
      } else if (run.length > 1) {
        marks.push(
          <polyline
            key={marks.length}
            points={run.join(' ')}
            className="jp-CostWidget-chart-line"
          />
        );
      }
      run = [];
    };
    for (const p of parsed) {
      if (p.v === null) {
        flush();
      } else {
        run.push(`${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`);
      }
    }
    flush();
  }
  return (
    <ChartSvg width={width} height={height} title={title}>
      <line
        x1={0}
        y1={height - pad}
        x2={width}
        y2={height - pad}
        className="jp-CostWidget-chart-axis"
      />
      {marks}
      {known.length ? (
        <text x={2} y={pad - 4} className="jp-CostWidget-chart-label">
          {maxLabel(vMax)}
        </text>
      ) : null}
    </ChartSvg>
  );
}
