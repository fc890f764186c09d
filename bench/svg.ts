// A small SVG writer for one chart: horizontal grouped bars on a log-scale axis, with a legend, section headings
// and the value at the end of each bar. Plain strings, no dependencies; text is escaped.

export interface Series {
  readonly name: string;
  readonly color: string;
}

export interface Bar {
  /** Index into the chart's series. */
  readonly series: number;
  readonly value: number;
}

export interface Group {
  readonly label: string;
  readonly bars: readonly Bar[];
  /** A heading drawn above this group (the start of a section). */
  readonly heading?: string;
}

export interface Chart {
  readonly title: string;
  readonly subtitle?: string;
  readonly axisLabel: string;
  readonly series: readonly Series[];
  readonly groups: readonly Group[];
}

export const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(2));

/** Axis labels: 0.001, 0.5, 20, 1k, 10M. */
function tick(v: number): string {
  const n = Number(v.toPrecision(1));
  if (n >= 1e6) return `${n / 1e6}M`;
  if (n >= 1e3) return `${n / 1e3}k`;
  return String(n);
}

const WIDTH = 980;
const LABEL_W = 330;
const RIGHT = 60;
const BAR_H = 10;
const BAR_GAP = 2;
const GROUP_GAP = 10;
const HEADING_H = 26;
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

export function barChart(c: Chart): string {
  const values = c.groups.flatMap((g) => g.bars.map((b) => b.value)).filter((v) => v > 0 && Number.isFinite(v));
  const lo = 10 ** Math.floor(Math.log10(values.length ? Math.min(...values) : 1));
  const hi = 10 ** Math.ceil(Math.log10(values.length ? Math.max(...values) : 10));
  const top = Math.max(hi, lo * 10);
  const plotW = WIDTH - LABEL_W - RIGHT;
  const x = (v: number) => LABEL_W + (Math.log10(Math.max(v, lo) / lo) / Math.log10(top / lo)) * plotW;

  const legendRows = Math.ceil(c.series.length / 4);
  const headerH = 54 + legendRows * 18;
  let y = headerH + 24;
  const body: string[] = [];
  for (const g of c.groups) {
    if (g.heading) {
      y += 6;
      body.push(`<text x="12" y="${y + 14}" font-size="13" font-weight="600" fill="#222">${escapeXml(g.heading)}</text>`);
      y += HEADING_H;
    }
    const h = Math.max(1, g.bars.length) * (BAR_H + BAR_GAP);
    body.push(`<text x="${LABEL_W - 8}" y="${y + h / 2 + 4}" font-size="11" text-anchor="end" fill="#333">${escapeXml(g.label)}</text>`);
    g.bars.forEach((b, i) => {
      const s = c.series[b.series]!;
      const by = y + i * (BAR_H + BAR_GAP);
      const w = Math.max(1, x(b.value) - LABEL_W);
      body.push(
        `<rect x="${LABEL_W}" y="${by}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${s.color}"><title>${escapeXml(`${s.name}: ${fmt(b.value)}`)}</title></rect>`,
        `<text x="${(LABEL_W + w + 4).toFixed(1)}" y="${by + BAR_H - 1}" font-size="9" fill="#555">${fmt(b.value)}</text>`,
      );
    });
    y += h + GROUP_GAP;
  }
  const height = y + 40;

  const grid: string[] = [];
  // Minor ticks (2, 5) get labels only where a decade is wide enough to hold them.
  const decadeW = plotW / Math.log10(top / lo);
  for (let d = lo; d <= top * 1.0001; d *= 10) {
    for (const m of [1, 2, 5]) {
      const v = d * m;
      if (v > top * 1.0001) break;
      const gx = x(v).toFixed(1);
      const major = m === 1;
      grid.push(`<line x1="${gx}" y1="${headerH + 16}" x2="${gx}" y2="${height - 34}" stroke="${major ? '#ccc' : '#eee'}" stroke-width="1"/>`);
      if (major || decadeW >= 120) grid.push(`<text x="${gx}" y="${height - 20}" font-size="10" text-anchor="middle" fill="#555">${tick(v)}</text>`);
    }
  }
  const legend = c.series.map((s, i) => {
    const lx = 12 + (i % 4) * 240;
    const ly = 50 + Math.floor(i / 4) * 18;
    return `<rect x="${lx}" y="${ly}" width="12" height="12" fill="${s.color}"/><text x="${lx + 18}" y="${ly + 10}" font-size="11" fill="#333">${escapeXml(s.name)}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT}>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="22" font-size="16" font-weight="600" fill="#111">${escapeXml(c.title)}</text>`,
    c.subtitle ? `<text x="12" y="40" font-size="11" fill="#555">${escapeXml(c.subtitle)}</text>` : '',
    ...legend,
    ...grid,
    ...body,
    `<text x="${LABEL_W + plotW / 2}" y="${height - 4}" font-size="11" text-anchor="middle" fill="#333">${escapeXml(c.axisLabel)}</text>`,
    `</svg>`,
  ]
    .filter((l) => l !== '')
    .join('\n')
    .concat('\n');
}
