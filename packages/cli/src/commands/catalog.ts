import { CATALOG, CORE_VERSION, type CatalogEntry } from '@cdc/core';
import type { ParsedArgs } from '../cli.js';
import type { Io } from '../io.js';
import { formatTable } from '../table.js';
import { discover } from './connectors.js';

interface Installed {
  readonly version: string;
  readonly compatible: boolean;
  /** The catalog lists a release with this version. */
  readonly inMatrix: boolean;
  readonly reason?: string;
}

/** `cdc catalog`: the official connectors, the version matrix, and which of them this project has installed. */
export function catalogCommand(args: ParsedArgs, io: Io): number {
  const registry = discover(args, io);
  const installed = (e: CatalogEntry): Installed | null => {
    const m = registry.list().find((x) => x.packageName === e.packageName);
    if (!m) return null;
    const c = registry.compatibility(m);
    return { version: m.version, compatible: c.compatible, inMatrix: e.releases.some((r) => r.version === m.version), ...(c.compatible ? {} : { reason: c.reason }) };
  };
  if (args.json) {
    const connectors = CATALOG.map((e) => ({ ...e, installed: installed(e) }));
    io.stdout(JSON.stringify({ core: CORE_VERSION, connectors }, null, 2) + '\n');
    return 0;
  }
  const rows = CATALOG.flatMap((e) => {
    const i = installed(e);
    return e.releases.map((r) => [
      e.identifier,
      e.kind.join('/'),
      e.packageName,
      r.version,
      r.core,
      r.flinkCdc,
      r.systems.map((s) => (s.versions.length ? `${s.name} ${s.versions.join(', ')}` : s.name)).join('; ') || '-',
      e.status,
      i ? `${i.version}${i.compatible ? '' : ' (incompatible)'}` : '-',
    ]);
  });
  io.stdout(formatTable(['IDENTIFIER', 'KIND', 'PACKAGE', 'VERSION', 'CORE', 'FLINK CDC', 'EXTERNAL SYSTEMS', 'STATUS', 'INSTALLED'], rows) + '\n');
  io.stdout(`\nrunning @cdc/core ${CORE_VERSION}; "planned" connectors are not built yet; INSTALLED: the version in this project.\n`);
  return 0;
}
