/** For the tests that run the real `cdc` CLI (from source, child process) on a PostgreSQL -> values sink pipeline. */
import { join } from 'node:path';
import { readOutputFile, type ValuesOutput } from '@cdc/connector-values';
import { cdcFromSource, tryRead } from '@cdc/testkit';

export const connectorDir = join(import.meta.dirname, '..');
/** The cdc CLI of this checkout, from source. */
export const cdc = cdcFromSource(join(connectorDir, '..', '..'));

/** The values sink's output file (written at every checkpoint), undefined until it is there. */
export const output = (file: string): ValuesOutput | undefined => tryRead(() => readOutputFile(file));

