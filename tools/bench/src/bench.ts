/** What a benchmark reports: figures (printed as they come) and ratios against a same-run reference. */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
}

export interface BenchResult {
  readonly figures: readonly Figure[];
  /** ratio name -> ours / reference, both measured in this run */
  readonly ratios: Readonly<Record<string, number>>;
  /** ratio name -> target the issue sets (>=) */
  readonly targets?: Readonly<Record<string, number>>;
}

export interface Benchmark {
  readonly name: string;
  readonly description: string;
  run(args: readonly string[], report: (f: Figure) => void): Promise<BenchResult>;
}

/** Peak resident set size of this process so far, in MB (Linux: VmHWM). */
export async function peakRssMb(): Promise<number> {
  const { readFileSync } = await import('node:fs');
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Math.round(Number(m[1]) / 1024);
  } catch {
    /* not Linux */
  }
  return Math.round(process.memoryUsage().rss / 1024 / 1024);
}

export function argNumber(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number`);
  return n;
}
