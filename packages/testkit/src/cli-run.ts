/**
 * Drives the real `cdc` CLI in a child process, as a user (or a crash) would: start `cdc run` on a pipeline file,
 * wait for a condition with a time limit that names what it waited for, kill -9 it, stop it with SIGTERM. End to
 * end tests of a connector use it to check restarts from a checkpoint against a real external system.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** How to start the cdc CLI: the program and the arguments that come before the CLI's own, and where. */
export interface CdcCommand {
  readonly argv: readonly string[];
  readonly cwd: string;
}

/**
 * The CLI of a cdc checkout run from its TypeScript sources (no build): tsx's loader and the `source` export
 * condition, so the workspace packages and `--plugin-dir` connectors load from `src/` too.
 */
export function cdcFromSource(repoRoot: string): CdcCommand {
  const loader = pathToFileURL(join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  return { argv: [process.execPath, '--conditions=source', '--import', loader, join(repoRoot, 'packages', 'cli', 'src', 'main.ts')], cwd: repoRoot };
}

/** An installed CLI: `node <bin>` (for example `node_modules/@cdc/cli/bin/cdc.js`). */
export function cdcFromBin(bin: string, cwd: string = process.cwd()): CdcCommand {
  return { argv: [process.execPath, bin], cwd };
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliRun {
  readonly child: ChildProcess;
  /** Resolves when the process is gone, with everything it printed. */
  readonly done: Promise<CliResult>;
  output(): { stdout: string; stderr: string };
  /** True until the process exits or is killed. */
  running(): boolean;
  /** kill -9; rejects unless the process died of it (it must not have exited on its own before). */
  kill9(): Promise<CliResult>;
  /** SIGTERM, the graceful stop; rejects unless the process then exits 0. */
  stop(): Promise<CliResult>;
}

/** The last `chars` characters of what a run printed on stderr: enough to see why it failed. */
export const stderrTail = (run: CliRun, chars = 4000): string => run.output().stderr.slice(-chars);

export function startCli(cdc: CdcCommand, args: readonly string[], opts: { cwd?: string; env?: Record<string, string> } = {}): CliRun {
  const [program, ...pre] = cdc.argv;
  const child = spawn(program!, [...pre, ...args], {
    cwd: opts.cwd ?? cdc.cwd,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  const run: CliRun = {
    child,
    done,
    output: () => ({ stdout, stderr }),
    running: () => child.exitCode === null && child.signalCode === null,
    async kill9() {
      child.kill('SIGKILL');
      const r = await done;
      if (r.signal !== 'SIGKILL') throw new Error(`cdc was to be killed with SIGKILL but ended with code ${r.code}, signal ${r.signal}:\n${r.stderr.slice(-4000)}`);
      return r;
    },
    async stop() {
      child.kill('SIGTERM');
      const r = await done;
      if (r.code !== 0) throw new Error(`cdc exited with code ${r.code}, signal ${r.signal} on SIGTERM (expected 0):\n${r.stderr.slice(-4000)}`);
      return r;
    },
  };
  return run;
}

/** The runs a test file started, so that `afterAll` can kill -9 whatever is left (a failed test's runs). */
export class CliRuns {
  readonly runs: CliRun[] = [];

  constructor(readonly cdc: CdcCommand) {}

  start(args: readonly string[], opts: { cwd?: string; env?: Record<string, string> } = {}): CliRun {
    const run = startCli(this.cdc, args, opts);
    this.runs.push(run);
    return run;
  }

  killAll(): void {
    for (const r of this.runs) if (r.running()) r.child.kill('SIGKILL');
  }
}

export interface WaitOptions {
  /** Runs that must stay up meanwhile: one that exits (or is killed) fails the wait with its stderr. */
  readonly runs?: readonly CliRun[];
  /** Default 60 s. */
  readonly timeoutMs?: number;
  /** Default 100 ms. */
  readonly intervalMs?: number;
  /** What was last seen, for the timeout's message. */
  readonly detail?: () => string | Promise<string>;
}

/**
 * Polls `ok` until it holds. Fails as soon as one of `runs` exits, or after the time limit, with a message that
 * names `what` it waited for, the `detail` and the tail of the runs' stderr.
 */
export async function waitUntil(what: string, ok: () => boolean | Promise<boolean>, opts: WaitOptions = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  const runs = opts.runs ?? [];
  while (!(await ok())) {
    for (const r of runs) if (!r.running()) throw new Error(`cdc run exited (${r.child.exitCode ?? r.child.signalCode}) while waiting for ${what}:\n${stderrTail(r)}`);
    if (Date.now() > deadline) {
      const detail = opts.detail ? `; ${await opts.detail()}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}\n${runs.map((r) => stderrTail(r, 3000)).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}

/**
 * Polls `read` until `ok` holds for what it read (undefined: nothing to look at yet) and returns that; fails like
 * `waitUntil`, with `detail` given the last thing read.
 */
export async function waitForValue<T>(
  what: string,
  read: () => T | undefined | Promise<T | undefined>,
  ok: (value: T) => boolean | Promise<boolean>,
  opts: Omit<WaitOptions, 'detail'> & { readonly detail?: (last: T | undefined) => string | Promise<string> } = {},
): Promise<T> {
  let last: T | undefined;
  const { detail, ...rest } = opts;
  await waitUntil(what, async () => (last = await read()) !== undefined && (await ok(last)), { ...rest, ...(detail ? { detail: () => detail(last) } : {}) });
  return last!;
}

export interface ChangeStream {
  /** How many changes are written so far. */
  readonly written: number;
  /** Resolves when all are written; rejects with the first write that failed. */
  readonly done: Promise<void>;
}

/**
 * Makes `count` changes in the background, `change(0)` to `change(count - 1)` one after the other with `pauseMs`
 * between them: a stream of source changes that goes on while a test kills `cdc run` and starts it again.
 */
export function streamChanges(count: number, change: (i: number) => Promise<void>, pauseMs = 15): ChangeStream {
  let written = 0;
  const done = (async () => {
    for (let i = 0; i < count; i++) {
      await change(i);
      written = i + 1;
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  })();
  return {
    get written() {
      return written;
    },
    done,
  };
}

/** `read()`, or undefined when it throws: a file the run has not written yet (or is rewriting) reads as nothing. */
export function tryRead<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** A flat section of a pipeline file: option -> value (strings are quoted as JSON, which YAML reads as is). */
export type PipelineSection = Readonly<Record<string, string | number | boolean>>;

export interface PipelineDefinition {
  readonly source: PipelineSection;
  readonly sink: PipelineSection;
  readonly pipeline?: PipelineSection;
}

/** The YAML text of a pipeline definition (source, sink, pipeline sections, each option on its own line). */
export function pipelineYaml(def: PipelineDefinition): string {
  const section = (name: string, o: PipelineSection = {}) =>
    `${name}:\n${Object.entries(o)
      .map(([k, v]) => `  ${k}: ${typeof v === 'string' ? JSON.stringify(v) : String(v)}\n`)
      .join('')}`;
  return section('source', def.source) + section('sink', def.sink) + (def.pipeline ? section('pipeline', def.pipeline) : '');
}

/** Writes `pipelineYaml(def)` to `file` and returns the path. */
export function writePipeline(file: string, def: PipelineDefinition): string {
  writeFileSync(file, pipelineYaml(def));
  return file;
}

/** The arguments of `cdc run` on `file` with a state directory and plugin directories, without the progress line. */
export function runArgs(file: string, stateDir: string, pluginDirs: readonly string[]): string[] {
  return ['run', file, '--state-dir', stateDir, ...pluginDirs.flatMap((d) => ['--plugin-dir', d]), '--no-progress'];
}
