import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createRequire } from 'node:module';
import { ConfigError, describeError, isCdcError, isUsageError } from '@cdc/core';
import { tuneV8ForPipelines } from '@cdc/runtime';
import { catalogCommand } from './commands/catalog.js';
import { checkCommand } from './commands/check.js';
import { connectorsCommand } from './commands/connectors.js';
import { newCommand } from './commands/new.js';
import { runCommand } from './commands/run.js';
import type { Io } from './io.js';

export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2 } as const;

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

const USAGE = `cdc — change data capture pipelines (Flink CDC pipeline YAML, no JVM)

Usage:
  cdc run <pipeline.yaml> [--state-dir DIR] [--plugin-dir DIR]... [--no-progress]
  cdc check <pipeline.yaml> [--connect] [--plugin-dir DIR]... [--json]
  cdc connectors [--plugin-dir DIR]... [--load] [--json]
  cdc new connector <name> [--kind sink|source] [--scope @acme] [--dir DIR]
  cdc catalog [--json]

Options:
  --state-dir DIR     where checkpoints are kept (default: .cdc-state/ beside the pipeline file)
  --plugin-dir DIR    also look for connector packages here (repeatable)
  --connect           check: also connect to the source and sink servers
  --load              connectors: also import each package (exit 1 if one fails to load)
  --kind KIND         new connector: sink (default) or source
  --scope SCOPE       new connector: npm scope of the package (default: none, cdc-connector-<name>)
  --dir DIR           new connector: where to create it (default: ./<package name without scope>)
  --json              machine-readable output
  --log-level LEVEL   debug | info | warn | error (default info)
  --log-format FMT    text | json (default text)
  --no-progress       no progress bar, even on a terminal
  --verbose           print stack traces of errors
  -h, --help          this help
  -v, --version       the version of cdc

Exit codes: 0 ok, 1 runtime failure, 2 bad usage, configuration or incompatible versions.`;

const OPTIONS = {
  'state-dir': { type: 'string' },
  'plugin-dir': { type: 'string', multiple: true },
  connect: { type: 'boolean' },
  load: { type: 'boolean' },
  kind: { type: 'string' },
  scope: { type: 'string' },
  dir: { type: 'string' },
  json: { type: 'boolean' },
  'log-level': { type: 'string' },
  'log-format': { type: 'string' },
  'no-progress': { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const satisfies ParseArgsConfig['options'];

export interface ParsedArgs {
  readonly command: string | undefined;
  readonly positionals: readonly string[];
  readonly stateDir?: string;
  readonly pluginDirs: readonly string[];
  readonly connect: boolean;
  readonly load: boolean;
  readonly kind?: string;
  readonly scope?: string;
  readonly dir?: string;
  readonly json: boolean;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly logFormat: 'text' | 'json';
  readonly progress: boolean;
  readonly verbose: boolean;
}

function parse(argv: readonly string[]): ParsedArgs | 'help' | 'version' {
  let values: Record<string, string | boolean | string[] | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (e) {
    throw new ConfigError((e as Error).message.replace(/^Unknown option/, 'unknown option'), { hint: 'run cdc --help' });
  }
  if (values.version) return 'version';
  if (values.help || positionals.length === 0) return 'help';
  const level = (values['log-level'] as string | undefined) ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new ConfigError(`--log-level ${level} is not valid`, { hint: 'use debug, info, warn or error' });
  const format = (values['log-format'] as string | undefined) ?? 'text';
  if (!['text', 'json'].includes(format)) throw new ConfigError(`--log-format ${format} is not valid`, { hint: 'use text or json' });
  return {
    command: positionals[0],
    positionals: positionals.slice(1),
    ...(typeof values['state-dir'] === 'string' ? { stateDir: values['state-dir'] } : {}),
    pluginDirs: (values['plugin-dir'] as string[] | undefined) ?? [],
    connect: values.connect === true,
    load: values.load === true,
    ...(typeof values.kind === 'string' ? { kind: values.kind } : {}),
    ...(typeof values.scope === 'string' ? { scope: values.scope } : {}),
    ...(typeof values.dir === 'string' ? { dir: values.dir } : {}),
    json: values.json === true,
    logLevel: level as ParsedArgs['logLevel'],
    logFormat: format as ParsedArgs['logFormat'],
    progress: values['no-progress'] !== true,
    verbose: values.verbose === true,
  };
}

function defaultIo(): Io {
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    cwd: process.cwd(),
    stderrIsTty: process.stderr.isTTY === true,
    stderrStream: process.stderr,
  };
}

/** Runs the CLI; returns the exit code. Never throws. */
export async function main(argv: readonly string[], io: Io = defaultIo()): Promise<number> {
  tuneV8ForPipelines();
  let verbose = argv.includes('--verbose');
  try {
    const args = parse(argv);
    if (args === 'help') {
      io.stdout(USAGE + '\n');
      return EXIT.OK;
    }
    if (args === 'version') {
      io.stdout(`cdc ${pkg.version}\n`);
      return EXIT.OK;
    }
    verbose = args.verbose;
    switch (args.command) {
      case 'run':
        return await runCommand(args, io);
      case 'check':
        return await checkCommand(args, io);
      case 'connectors':
        return await connectorsCommand(args, io);
      case 'catalog':
        return catalogCommand(args, io);
      case 'new':
        return newCommand(args, io);
      default:
        throw new ConfigError(`unknown command "${args.command}"`, { hint: 'use run, check, connectors, catalog or new (cdc --help)' });
    }
  } catch (e) {
    io.stderr(`${formatError(e, verbose)}\n`);
    return isUsageError(e) ? EXIT.USAGE : EXIT.FAILURE;
  }
}

export function formatError(e: unknown, verbose: boolean): string {
  const msg = isCdcError(e) ? e.message : `[cdc] ${describeError(e)}`;
  if (!verbose) return `error: ${msg}`;
  const stack = e instanceof Error && e.stack ? `\n${e.stack.split('\n').slice(1).join('\n')}` : '';
  const cause = e instanceof Error && e.cause ? `\ncaused by: ${describeError(e.cause)}` : '';
  return `error: ${msg}${stack}${cause}`;
}
