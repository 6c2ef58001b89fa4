/**
 * The benchmark's chart as a hand-written SVG (no dependencies): left, wall time against
 * slots, parallel and serialised; right, wall(k)/wall(1) next to libccid's reference
 * figures. Slots on a log₂ axis so 1..8 and 8..96 both read.
 */
import type { BenchResults } from './usim-report.ts';
import { wallOne } from './usim-report.ts';

interface Line {
  readonly name: string;
  readonly color: string;
  readonly dash?: string;
  readonly points: readonly (readonly [number, number])[];
}

interface Panel {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly title: string;
  readonly yLabel: string;
  readonly yMin: number;
  readonly yMax: number;
  readonly yTicks: readonly number[];
  readonly lines: readonly Line[];
}

/** libccid 1.5.0 + pcscd (issue 6): sysmoOCTSIM 1→8 slots, sysmoSIMBANK 2→88 slots, as wall(k)/wall(first). */
export const REFERENCE = {
  octsim: [
    [1, 24.65],
    [8, 24.72],
  ],
  simbank: [
    [2, 24.27],
    [88, 32.47],
  ],
} as const;

const X_TICKS = [1, 2, 4, 8, 16, 32, 64, 96];
const X_MAX = 128;
const FONT = 'font-family="system-ui, sans-serif"';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const f1 = (v: number): string => v.toFixed(1);

function panelSvg(p: Panel): string {
  const sx = (slots: number): number => p.x + (Math.log2(slots) / Math.log2(X_MAX)) * p.width;
  const sy = (v: number): number => p.y + p.height - ((v - p.yMin) / (p.yMax - p.yMin)) * p.height;
  const out: string[] = [];
  out.push(`<text x="${f1(p.x + p.width / 2)}" y="${f1(p.y - 12)}" text-anchor="middle" font-size="14" font-weight="600" ${FONT}>${esc(p.title)}</text>`);
  out.push(`<rect x="${p.x}" y="${p.y}" width="${p.width}" height="${p.height}" fill="none" stroke="#888"/>`);
  for (const t of X_TICKS) {
    const x = f1(sx(t));
    out.push(`<line x1="${x}" y1="${p.y}" x2="${x}" y2="${p.y + p.height}" stroke="#eee"/>`);
    out.push(`<text x="${x}" y="${p.y + p.height + 16}" text-anchor="middle" font-size="11" ${FONT}>${t}</text>`);
  }
  for (const t of p.yTicks) {
    const y = f1(sy(t));
    out.push(`<line x1="${p.x}" y1="${y}" x2="${p.x + p.width}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${p.x - 6}" y="${y}" dy="4" text-anchor="end" font-size="11" ${FONT}>${t}</text>`);
  }
  out.push(`<text x="${f1(p.x + p.width / 2)}" y="${p.y + p.height + 34}" text-anchor="middle" font-size="12" ${FONT}>slots running at once</text>`);
  out.push(
    `<text transform="translate(${p.x - 40} ${f1(p.y + p.height / 2)}) rotate(-90)" text-anchor="middle" font-size="12" ${FONT}>${esc(p.yLabel)}</text>`,
  );
  const drawn = p.lines.filter((line) => line.points.some(([k, v]) => k >= 1 && Number.isFinite(v)));
  drawn.forEach((line, i) => {
    const pts = line.points.filter(([k, v]) => k >= 1 && Number.isFinite(v));
    const d = pts.map(([k, v]) => `${f1(sx(k))},${f1(sy(Math.min(v, p.yMax)))}`).join(' ');
    out.push(`<polyline points="${d}" fill="none" stroke="${line.color}" stroke-width="2"${line.dash ? ` stroke-dasharray="${line.dash}"` : ''}/>`);
    for (const [k, v] of pts) out.push(`<circle cx="${f1(sx(k))}" cy="${f1(sy(Math.min(v, p.yMax)))}" r="3" fill="${line.color}"/>`);
    const ly = p.y + 14 + i * 16;
    out.push(`<line x1="${p.x + 10}" y1="${ly - 4}" x2="${p.x + 30}" y2="${ly - 4}" stroke="${line.color}" stroke-width="2"${line.dash ? ` stroke-dasharray="${line.dash}"` : ''}/>`);
    out.push(`<text x="${p.x + 36}" y="${ly}" font-size="11" ${FONT}>${esc(line.name)}</text>`);
  });
  return out.join('\n');
}

function niceMax(v: number): number {
  const step = 10 ** Math.floor(Math.log10(v));
  return Math.ceil(v / step) * step;
}

function ticks(max: number, count: number): number[] {
  const raw = max / count;
  const step = [1, 2, 2.5, 5, 10].map((m) => m * 10 ** Math.floor(Math.log10(raw))).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = 0; v <= max + 1e-9; v += step) out.push(Number(v.toFixed(6)));
  return out;
}

/** The chart of a benchmark run, as an SVG document. */
export function chartSvg(r: BenchResults): string {
  const pts = (rows: readonly { slots: number; wall: number }[], scale = 1): [number, number][] => rows.map((x) => [x.slots, x.wall / scale]);
  const w1 = wallOne(r.octsim);
  const ideal: [number, number][] = r.serial.map((x) => [x.slots, x.slots * wallOne(r.serial)]);
  const allWalls = [...r.octsim, ...r.bank, ...r.serial, ...r.bankSerial].map((x) => x.wall);
  const yMax = niceMax(Math.max(...allWalls, ...ideal.map(([, v]) => v)) * 1.05);
  const left: Panel = {
    x: 70,
    y: 50,
    width: 400,
    height: 300,
    title: 'Wall time of the USIM script, all slots at once',
    yLabel: 'wall time, s',
    yMin: 0,
    yMax,
    yTicks: ticks(yMax, 5),
    lines: [
      { name: '1 sysmoOCTSIM (8 busy slots)', color: '#1f77b4', points: pts(r.octsim) },
      { name: '12 sysmoOCTSIMs (SIMBANK)', color: '#2ca02c', points: pts(r.bank) },
      { name: 'serialised: bMaxCCIDBusySlots = 1', color: '#d62728', points: pts(r.serial) },
      { name: '12 readers, each serialised', color: '#ff7f0e', points: pts(r.bankSerial) },
      { name: 'k × wall(1)', color: '#999', dash: '4 4', points: ideal },
    ],
  };
  const ratios = [...r.octsim.map((x) => x.wall / w1), ...r.bank.map((x) => x.wall / wallOne(r.bank))];
  const ratioMax = Math.max(1.4, ...ratios.map((v) => v * 1.02));
  const yTop = Math.ceil(ratioMax * 10) / 10;
  const refOct = REFERENCE.octsim.map(([k, v]) => [k, v / REFERENCE.octsim[0][1]] as [number, number]);
  const refBank = REFERENCE.simbank.map(([k, v]) => [k, v / REFERENCE.simbank[0][1]] as [number, number]);
  const right: Panel = {
    x: 570,
    y: 50,
    width: 400,
    height: 300,
    title: 'wall(k) / wall(1): this driver vs libccid + pcscd',
    yLabel: 'wall(k) / wall(1)',
    yMin: 0.9,
    yMax: yTop,
    yTicks: ticks(yTop, 10).filter((t) => t >= 0.9),
    lines: [
      { name: 'ccid, 1 sysmoOCTSIM', color: '#1f77b4', points: pts(r.octsim, wallOne(r.octsim)) },
      { name: 'ccid, 12 sysmoOCTSIMs', color: '#2ca02c', points: pts(r.bank, wallOne(r.bank)) },
      { name: 'libccid 1.5.0, sysmoOCTSIM', color: '#1f77b4', dash: '6 3', points: refOct },
      { name: 'libccid 1.5.0, sysmoSIMBANK (from 2 slots)', color: '#2ca02c', dash: '6 3', points: refBank },
    ],
  };
  const note =
    `emulated readers (${r.readersIn === 'worker' ? 'worker thread' : "driver's thread"}), T=0 TPDU, ${r.link.clockHz / 1e6} MHz clock, Fi ${r.link.fi} Di ${r.link.di}; ` +
    `${r.iterations} × ${r.apdusPerIteration} APDUs per slot; driver ${r.cpuPerApduUs.toFixed(1)} µs CPU per APDU; ` +
    `Node ${r.machine.node}, ${r.machine.cpus} cores${r.quick ? ' (quick run)' : ''}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="430" viewBox="0 0 1000 430">`,
    `<rect width="1000" height="430" fill="#fff"/>`,
    panelSvg(left),
    panelSvg(right),
    `<text x="500" y="418" text-anchor="middle" font-size="11" fill="#555" ${FONT}>${esc(note)}</text>`,
    `</svg>`,
    '',
  ].join('\n');
}
