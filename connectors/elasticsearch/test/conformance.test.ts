/** @cdc/testkit sink conformance against the real Elasticsearch node of tools/services/elasticsearch. */
import { beforeAll } from 'vitest';
import { describeSinkConformance } from '@cdc/testkit';
import { elasticsearchSinkFactory } from '../src/index.js';
import { deleteIndices, ensureElasticsearch, esConfig, indexOf, readRows, readSchemaMeta } from './helpers.js';

beforeAll(() => ensureElasticsearch(), 900_000);

const DATABASE = 'cdc_es_testkit';

describeSinkConformance({
  factory: elasticsearchSinkFactory,
  // short buffer time: the suite's checkpoints flush anyway, this only keeps partial batches from waiting
  options: () => ({ hosts: esConfig().url, version: 8, 'buffer.time.max.ms': 50 }),
  invalidOptions: [
    { options: { hosts: 'http://127.0.0.1:1' }, error: /no answer from Elasticsearch at http:\/\/127\.0\.0\.1:1/ },
    { options: { hosts: 'ftp://x' }, error: /uses ftp: — use http:\/\/ or https:\/\// },
    { options: { version: 7 }, error: /runs Elasticsearch 8\.\d+\.\d+ but the sink is configured with version: 7/ },
    { options: { username: 'elastic' }, error: /"username" is set but "password" is not/ },
    { options: { 'batch.size.max': 2000 }, error: /"buffered\.requests\.max" \(1000\) must be at least "batch\.size\.max" \(2000\)/ },
    { options: { 'sharding.suffix.key': 'nocolon' }, error: /sharding\.suffix\.key" is malformed/ },
    { options: { 'sharding.suffix.separator': 'A' }, error: /cannot be part of an index name/ },
    { options: { hosts: esConfig().secureUrl }, error: /HTTP 401/ },
  ],
  verifier: {
    readRows: (t) => readRows(t),
    readSchema: (t) => readSchemaMeta(indexOf(t)),
    reset: () => deleteIndices(`${DATABASE}.`),
  },
  database: DATABASE,
});
