import { ConnectorRegistry } from '@cdc/core';
import type { ParsedArgs } from '../cli.js';
import type { Io } from '../io.js';
import { formatTable } from '../table.js';

export function discover(args: ParsedArgs, io: Io): ConnectorRegistry {
  return ConnectorRegistry.discover({ projectDir: io.cwd, pluginDirs: args.pluginDirs });
}

/**
 * `cdc connectors`: installed connector packages, with their compatibility with the running core. Discovery
 * reads package.json files only; `--load` also imports each package, so one that throws while loading shows
 * up here (named, exit 1) instead of at the first `cdc run` that needs it. The others are not affected.
 */
export async function connectorsCommand(args: ParsedArgs, io: Io): Promise<number> {
  const registry = discover(args, io);
  const loads = new Map<string, string>();
  if (args.load) {
    for (const m of registry.list()) {
      const v = await registry.verify(m);
      loads.set(m.dir, v.ok ? 'ok' : `fails: ${v.message}`);
    }
  }
  const rows = registry.list().flatMap((m) =>
    m.identifiers.map((id) => {
      const c = registry.compatibility(m);
      return {
        identifier: id,
        kind: m.kinds.join('/'),
        package: m.packageName,
        version: m.version,
        core: m.coreRange ?? '',
        compatible: c.compatible,
        reason: c.reason ?? '',
        ...(args.load ? { load: loads.get(m.dir) ?? '' } : {}),
        foundIn: m.foundIn,
        dir: m.dir,
      };
    }),
  );
  const problems = registry.problems();
  const failed = [...loads.values()].some((l) => l !== 'ok');
  if (args.json) {
    io.stdout(JSON.stringify({ core: registry.coreVersion, connectors: rows, problems }, null, 2) + '\n');
    return failed ? 1 : 0;
  }
  if (!rows.length) io.stdout('no connectors installed (npm install @cdc/connector-<name>, see cdc catalog)\n');
  else
    io.stdout(
      formatTable(
        ['IDENTIFIER', 'KIND', 'PACKAGE', 'VERSION', 'CORE RANGE', 'COMPATIBLE', ...(args.load ? ['LOADS'] : [])],
        rows.map((r) => [r.identifier, r.kind, r.package, r.version, r.core, r.compatible ? 'yes' : `no: ${r.reason}`, ...(args.load ? [r.load ?? ''] : [])]),
      ) + `\n\n@cdc/core ${registry.coreVersion}\n`,
    );
  for (const p of problems) io.stderr(`warning: ${p.packageName} (${p.dir}): ${p.message}\n`);
  return failed ? 1 : 0;
}
