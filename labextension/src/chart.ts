/**
 * Two tiny inline-SVG charts (no chart library): burn rate by kind, and the `mine` rate history.
 */
import { IHistoryPoint } from './types';

const SVG_NS = 'http://www.w3.org/2000/svg';

function svgEl<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    el.setAttribute(k, String(v));
  }
  return el;
}

/** Horizontal bars: one per row, label left, value right. */
export function barChart(
  rows: ReadonlyArray<{ label: string; value: number; text: string }>,
  title: string
): SVGSVGElement {
  const width = 360;
  const rowHeight = 20;
  const labelWidth = 120;
  const valueWidth = 80;
  const height = Math.max(1, rows.length) * rowHeight;
  const svg = svgEl('svg', {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    class: 'jp-CostWidget-chart'
  });
  svg.setAttribute('aria-label', title);
  const max = Math.max(0, ...rows.map(r => r.value));
  const barSpace = width - labelWidth - valueWidth;
  rows.forEach((row, i) => {
    const y = i * rowHeight;
    const label = svgEl('text', {
      x: 0,
      y: y + 14,
      class: 'jp-CostWidget-chart-label'
    });
    label.textContent = row.label;
    const w = max > 0 ? Math.max(1, (row.value / max) * barSpace) : 1;
    const bar = svgEl('rect', {
      x: labelWidth,
      y: y + 4,
      width: w,
      height: rowHeight - 8,
      class: 'jp-CostWidget-chart-bar'
    });
    const value = svgEl('text', {
      x: labelWidth + w + 4,
      y: y + 14,
      class: 'jp-CostWidget-chart-value'
    });
    value.textContent = row.text;
    svg.append(label, bar, value);
  });
  return svg;
}

/** A line of the `mine` rate over time; gaps where the rate was unknown. */
export function historyChart(
  points: ReadonlyArray<IHistoryPoint>,
  title: string,
  maxLabel: (max: number) => string
): SVGSVGElement {
  const width = 360;
  const height = 90;
  const pad = 16;
  const svg = svgEl('svg', {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    class: 'jp-CostWidget-chart'
  });
  svg.setAttribute('aria-label', title);
  const parsed = points
    .map(p => ({ t: new Date(p.t).getTime(), v: p.mine_per_hour }))
    .filter(p => isFinite(p.t));
  const known = parsed.filter(p => p.v !== null) as Array<{
    t: number;
    v: number;
  }>;
  svg.append(
    svgEl('line', {
      x1: 0,
      y1: height - pad,
      x2: width,
      y2: height - pad,
      class: 'jp-CostWidget-chart-axis'
    })
  );
  if (known.length === 0) {
    return svg;
  }
  const t0 = Math.min(...parsed.map(p => p.t));
  const t1 = Math.max(...parsed.map(p => p.t));
  const vMax = Math.max(...known.map(p => p.v), 0.01);
  const x = (t: number) =>
    t1 > t0 ? ((t - t0) / (t1 - t0)) * (width - 8) + 4 : width / 2;
  const y = (v: number) => height - pad - (v / vMax) * (height - 2 * pad);
  // One polyline per run of known values.
  let run: string[] = [];
  const flush = () => {
    if (run.length === 1) {
      const [cx, cy] = run[0].split(',');
      svg.append(
        svgEl('circle', { cx, cy, r: 2, class: 'jp-CostWidget-chart-dot' })
      );
    } else if (run.length > 1) {
      svg.append(
        svgEl('polyline', {
          points: run.join(' '),
          class: 'jp-CostWidget-chart-line'
        })
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
  const label = svgEl('text', {
    x: 2,
    y: pad - 4,
    class: 'jp-CostWidget-chart-label'
  });
  label.textContent = maxLabel(vMax);
  svg.append(label);
  return svg;
}
