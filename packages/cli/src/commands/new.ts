import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ConfigError, CORE_VERSION } from '@cdc/core';
import type { ParsedArgs } from '../cli.js';
import type { Io } from '../io.js';
import { sinkTemplate, sourceTemplate } from './new-templates.js';

/** The caret range of the running core's release line: ^0.1.0 for 0.1.x, ^1.0.0 for 1.x. */
export function coreRangeOf(version: string): string {
  const [major, minor] = version.split('.');
  return major === '0' ? `^0.${minor}.0` : `^${major}.0.0`;
}

/** `cdc new connector <name>`: a new connector package (sink or source) that passes the testkit as generated. */
export function newCommand(args: ParsedArgs, io: Io): number {
  const [what, name] = args.positionals;
  if (what !== 'connector' || !name) throw new ConfigError('usage: cdc new connector <name> [--kind sink|source] [--scope @acme] [--dir DIR]', { hint: 'e.g. cdc new connector acme-db --scope @acme' });
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new ConfigError(`connector name "${name}" must be lower-case letters, digits and dashes, starting with a letter`, { hint: 'it becomes the pipeline\'s "type:" value' });
  const kind = args.kind ?? 'sink';
  if (kind !== 'sink' && kind !== 'source') throw new ConfigError(`--kind ${kind} is not valid`, { hint: 'use sink or source' });
  if (args.scope !== undefined && !/^@[a-z0-9][a-z0-9._-]*$/.test(args.scope)) throw new ConfigError(`--scope ${args.scope} is not an npm scope`, { hint: 'e.g. --scope @acme' });
  const bare = `cdc-connector-${name}`;
  const packageName = args.scope ? `${args.scope}/${bare}` : bare;
  const dir = resolve(io.cwd, args.dir ?? bare);
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new ConfigError(`${dir} exists and is not empty`, { hint: 'choose another --dir or remove it' });
  const coreRange = coreRangeOf(CORE_VERSION);
  const vars = { name, packageName, coreRange, testkitRange: coreRange };
  const files = kind === 'sink' ? sinkTemplate(vars) : sourceTemplate(vars);
  for (const [file, text] of Object.entries(files)) {
    const path = join(dir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  const rel = relative(io.cwd, dir) || '.';
  io.stdout(
    `created ${packageName} (${kind} "${name}", @cdc/core ${coreRange}) in ${rel}:\n` +
      Object.keys(files)
        .sort()
        .map((f) => `  ${f}\n`)
        .join('') +
      `\nnext:\n  cd ${rel}\n  npm install\n  npm test        # the @cdc/testkit conformance suite\n  npm publish     # builds dist/ first\n`,
  );
  return 0;
}
