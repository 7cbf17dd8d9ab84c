/** For the tests that run the real `cdc` CLI (from source, child process) on a PostgreSQL -> values sink pipeline. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readOutputFile, type ValuesOutput } from '@cdc/connector-values';
import { cdcFromSource, runArgs, tryRead, writePipeline, type PipelineSection } from '@cdc/testkit';
import { postgresConfig } from './helpers.js';

export const connectorDir = join(import.meta.dirname, '..');
/** The cdc CLI of this checkout, from source. */
export const cdc = cdcFromSource(join(connectorDir, '..', '..'));

/** The values sink's output file (written at every checkpoint), undefined until it is there. */
export const output = (file: string): ValuesOutput | undefined => tryRead(() => readOutputFile(file));


/**
 * A new directory with a PostgreSQL (the shared server; `source` options over it) -> values sink pipeline file,
 * the sink's output file and the `cdc run` arguments for it.
 */
export function valuesPipeline(name: string, source: PipelineSection, pipeline: PipelineSection): { dir: string; out: string; args: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'cdc-pg-e2e-'));
  const out = join(dir, 'out.json');
  const c = postgresConfig();
  const file = writePipeline(join(dir, 'pipeline.yaml'), {
    source: { type: 'postgres', hostname: c.host, port: c.port, username: c.user, password: c.password, ...source },
    sink: { type: 'values', 'sink.output.file': out },
    pipeline: { name, ...pipeline },
  });
  return { dir, out, args: runArgs(file, join(dir, 'state'), [connectorDir]) };
}
