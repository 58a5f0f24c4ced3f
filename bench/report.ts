// The shape every benchmark returns, and how `npm run bench` prints it: figures, targets, ratios to a same-run baseline.

export interface Figure {
  label: string;
  value: number;
  unit: string;
  /** e.g. ">= 40000" or "< 2": printed beside the figure, with met / NOT MET. */
  target?: { op: '>=' | '<=' | '<' | '>'; value: number };
  /** Ratio against a baseline measured in the same run (noisy machines: compare ratios, not seconds). */
  ratio?: { value: number; against: string; target?: { op: '>=' | '<=' | '<' | '>'; value: number } };
}

export interface BenchReport {
  name: string;
  figures: Figure[];
  notes?: string[];
}

function meets(value: number, t: { op: string; value: number }): boolean {
  switch (t.op) {
    case '>=':
      return value >= t.value;
    case '<=':
      return value <= t.value;
    case '<':
      return value < t.value;
    default:
      return value > t.value;
  }
}

function fmt(n: number): string {
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toPrecision(3);
}

export function formatReport(report: BenchReport): string {
  const out = [`## ${report.name}`];
  for (const f of report.figures) {
    let line = `  ${f.label}: ${fmt(f.value)} ${f.unit}`;
    if (f.target) line += `  (target ${f.target.op} ${fmt(f.target.value)}: ${meets(f.value, f.target) ? 'met' : 'NOT MET'})`;
    if (f.ratio) {
      line += `  | ratio ${f.ratio.value.toFixed(3)} vs ${f.ratio.against}`;
      if (f.ratio.target) line += ` (target ${f.ratio.target.op} ${f.ratio.target.value}: ${meets(f.ratio.value, f.ratio.target) ? 'met' : 'NOT MET'})`;
    }
    out.push(line);
  }
  for (const n of report.notes ?? []) out.push(`  note: ${n}`);
  return out.join('\n');
}
