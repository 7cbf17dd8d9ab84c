/** Runs the cdc CLI from source in a child process, as a user would (real exit codes, signals, stdout). */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cdcFromSource, startCli as start, type CliResult, type CliRun } from '@cdc/testkit';

export type { CliResult, CliRun };

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cdc = cdcFromSource(repoRoot);

export function startCli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): CliRun {
  return start(cdc, args, opts);
}

export function cli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return startCli(args, opts).done;
}
