import {
  catalogEntry,
  CORE_VERSION,
  describeError,
  isCdcError,
  systemSupports,
  type ConnectionCheck,
  type ConnectorManifest,
  type ConnectorRegistry,
} from '@cdc/core';
import { createLogger, loadPipelineFile, preparePipeline, type PreparedPipeline } from '@cdc/runtime';
import type { ParsedArgs } from '../cli.js';
import type { Io } from '../io.js';
import { formatTable } from '../table.js';
import { discover } from './connectors.js';
import { pipelinePath } from './run.js';

type Verdict = 'ok' | 'warn' | 'fail';
interface Row {
  check: string;
  result: Verdict;
  detail: string;
  /** fail rows: 2 = configuration/version problem, 1 = runtime (server not reachable) */
  exit?: 1 | 2;
}

function versionRows(registry: ConnectorRegistry, kind: 'source' | 'sink', identifier: string): Row[] {
  let m: ConnectorManifest;
  try {
    m = registry.find(identifier, kind);
  } catch (e) {
    return [{ check: `${kind} connector "${identifier}"`, result: 'fail', detail: describeError(e), exit: 2 }];
  }
  const rows: Row[] = [];
  const compat = registry.compatibility(m);
  rows.push({
    check: `${kind} connector "${identifier}"`,
    result: compat.compatible ? 'ok' : 'fail',
    detail: `${m.packageName}@${m.version} (core ${m.coreRange ?? 'any'})${compat.compatible ? '' : `: ${compat.reason}`}`,
    ...(compat.compatible ? {} : { exit: 2 as const }),
  });
  const entry = catalogEntry(identifier);
  if (entry && entry.packageName === m.packageName && !entry.releases.some((r) => r.version === m.version)) {
    rows.push({ check: `${identifier} in the version matrix`, result: 'warn', detail: `${m.packageName}@${m.version} is not in the catalog (known: ${entry.releases.map((r) => r.version).join(', ')})` });
  }
  return rows;
}

async function connectRow(kind: 'source' | 'sink', identifier: string, check: (() => Promise<ConnectionCheck>) | undefined): Promise<Row[]> {
  if (!check) return [{ check: `${kind} server`, result: 'warn', detail: `the ${identifier} connector has no connection check` }];
  let r: ConnectionCheck;
  try {
    r = await check();
  } catch (e) {
    return [{ check: `${kind} server`, result: 'fail', detail: describeError(e), exit: isCdcError(e) && (e.code === 'CONFIG' || e.code === 'AUTH') ? 2 : 1 }];
  }
  const rows: Row[] = [];
  const entry = catalogEntry(identifier);
  const systems = entry?.releases[entry.releases.length - 1].systems ?? [];
  const system = systems.find((s) => s.name.toLowerCase() === r.system.toLowerCase()) ?? systems.find((s) => r.system.toLowerCase().includes(s.name.toLowerCase()));
  if (!entry) rows.push({ check: `${kind} server`, result: 'ok', detail: `${r.system} ${r.version} (third-party connector: no version matrix)` });
  else if (!system) rows.push({ check: `${kind} server`, result: 'warn', detail: `${r.system} ${r.version} is not a system the catalog lists for ${identifier}` });
  else if (!systemSupports(system, r.version)) {
    rows.push({ check: `${kind} server`, result: 'fail', detail: `${r.system} ${r.version} is outside the supported versions (${system.versions.join(', ')})`, exit: 2 });
  } else rows.push({ check: `${kind} server`, result: 'ok', detail: `${r.system} ${r.version} (supported: ${system.versions.join(', ') || 'any'})` });
  for (const pr of r.problems) rows.push({ check: `${kind} server setting`, result: 'fail', detail: pr, exit: 2 });
  return rows;
}

/** `cdc check`: configuration and versions, and with --connect the servers; prints a table and a verdict. */
export async function checkCommand(args: ParsedArgs, io: Io): Promise<number> {
  const file = pipelinePath(args, io);
  const rows: Row[] = [];
  const def = loadPipelineFile(file);
  rows.push({ check: 'pipeline file', result: 'ok', detail: file });
  const registry = discover(args, io);
  rows.push({ check: '@cdc/core', result: 'ok', detail: CORE_VERSION });
  rows.push(...versionRows(registry, 'source', def.source.type), ...versionRows(registry, 'sink', def.sink.type));
  let prepared: PreparedPipeline | undefined;
  if (!rows.some((r) => r.result === 'fail')) {
    const warnings: string[] = [];
    const logger = createLogger({ level: 'warn', write: (l) => warnings.push(l) });
    try {
      prepared = await preparePipeline(def, registry, logger);
      rows.push({ check: 'options, routes, transforms', result: 'ok', detail: `${def.routes.length} routes, ${def.transforms.length} transforms` });
      for (const w of prepared.warnings) rows.push({ check: 'warning', result: 'warn', detail: w });
    } catch (e) {
      rows.push({ check: 'options, routes, transforms', result: 'fail', detail: describeError(e), exit: isCdcError(e) && e.code !== 'CONFIG' && e.code !== 'VERSION' && e.code !== 'PLUGIN' ? 1 : 2 });
    }
  }
  if (args.connect && prepared) {
    const p = prepared;
    const ctx = (identifier: string, options: PreparedPipeline['sourceOptions']) => ({ identifier, options, pipeline: p.info, logger: createLogger({ level: 'error' }) });
    const signal = AbortSignal.timeout(30_000);
    const source = p.sourceFactory.create(ctx(p.sourceFactory.identifier, p.sourceOptions));
    const sink = p.sinkFactory.create(ctx(p.sinkFactory.identifier, p.sinkOptions));
    rows.push(...(await connectRow('source', def.source.type, source.check && (() => source.check!(signal)))));
    rows.push(...(await connectRow('sink', def.sink.type, sink.check && (() => sink.check!(signal)))));
    await sink.close?.().catch(() => undefined);
  }
  const failed = rows.filter((r) => r.result === 'fail');
  const exit = failed.length ? Math.max(...failed.map((r) => r.exit ?? 2)) : 0;
  const verdict = failed.length ? `FAILED: ${failed.length} problem${failed.length > 1 ? 's' : ''}` : rows.some((r) => r.result === 'warn') ? 'OK with warnings' : 'OK';
  if (args.json) {
    io.stdout(JSON.stringify({ verdict: failed.length ? 'fail' : 'ok', exitCode: exit, checks: rows.map(({ exit: _e, ...r }) => r) }, null, 2) + '\n');
  } else {
    io.stdout(formatTable(['CHECK', 'RESULT', 'DETAIL'], rows.map((r) => [r.check, r.result.toUpperCase(), r.detail])) + `\n\nverdict: ${verdict}\n`);
  }
  return exit;
}
