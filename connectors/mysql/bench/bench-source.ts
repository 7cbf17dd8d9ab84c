/** A `mysql` source reader on the MariaDB of tools/services, for the benchmarks (no runner, no sink). */
import { validateOptions, type Logger, type SourceReader } from '@cdc/core';
import { mariadbConfig } from '@cdc/services';
import { mysqlSourceFactory } from '../src/index.js';

const quiet: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (m) => process.stderr.write(`warn: ${m}\n`),
  error: (m) => process.stderr.write(`error: ${m}\n`),
};

export async function benchReader(extra: Record<string, unknown>, parallelism = 1): Promise<{ reader: SourceReader; abort: () => void }> {
  const c = mariadbConfig();
  const raw = { hostname: c.host, port: c.port, username: c.user, password: c.password, ...extra };
  const { options } = validateOptions({ owner: 'mysql', specs: mysqlSourceFactory.options, prefixes: mysqlSourceFactory.passThroughPrefixes, raw });
  const pipeline = { name: 'bench', parallelism, localTimeZone: 'UTC', schemaChangeBehavior: 'lenient' as const };
  const source = mysqlSourceFactory.create({ identifier: 'mysql', options, pipeline, logger: quiet });
  const ac = new AbortController();
  const reader = await source.createReader({ signal: ac.signal, logger: quiet, metrics: { snapshotProgress: () => undefined, eventTime: () => undefined }, pipeline });
  return { reader, abort: () => ac.abort() };
}
