import { CATALOG, CORE_VERSION } from '@cdc/core';
import type { ParsedArgs } from '../cli.js';
import type { Io } from '../io.js';
import { formatTable } from '../table.js';

/** `cdc catalog`: the official connectors and the version matrix. */
export function catalogCommand(args: ParsedArgs, io: Io): number {
  if (args.json) {
    io.stdout(JSON.stringify({ core: CORE_VERSION, connectors: CATALOG }, null, 2) + '\n');
    return 0;
  }
  const rows = CATALOG.flatMap((e) =>
    e.releases.map((r) => [
      e.identifier,
      e.kind.join('/'),
      e.packageName,
      r.version,
      r.core,
      r.flinkCdc,
      r.systems.map((s) => (s.versions.length ? `${s.name} ${s.versions.join(', ')}` : s.name)).join('; ') || '-',
      e.status,
    ]),
  );
  io.stdout(formatTable(['IDENTIFIER', 'KIND', 'PACKAGE', 'VERSION', 'CORE', 'FLINK CDC', 'EXTERNAL SYSTEMS', 'STATUS'], rows) + '\n');
  io.stdout(`\nrunning @cdc/core ${CORE_VERSION}; "planned" connectors are not built yet.\n`);
  return 0;
}
