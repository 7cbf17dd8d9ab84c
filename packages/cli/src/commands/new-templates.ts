/**
 * Files of `cdc new connector <name>`: a sink or source package that passes the @cdc/testkit conformance suite
 * as generated (tables in memory; the source follows an in-memory change log), with comments where the real
 * external system goes.
 */

export interface TemplateVars {
  /** connector identifier, e.g. `acme-db` */
  readonly name: string;
  /** npm package name */
  readonly packageName: string;
  /** @cdc/core range, e.g. `^0.1.0` */
  readonly coreRange: string;
  /** @cdc/testkit range */
  readonly testkitRange: string;
}

const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

export function sinkTemplate(v: TemplateVars): Record<string, string> {
  const fn = `${camel(v.name)}Sink`;
  const pkg = {
    name: v.packageName,
    version: '0.1.0',
    description: `cdc sink connector (identifier ${v.name})`,
    type: 'module',
    license: 'Apache-2.0',
    engines: { node: '>=20.10' },
    exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './package.json': './package.json' },
    types: './dist/index.d.ts',
    files: ['dist', 'README.md'],
    scripts: { build: 'tsc -p tsconfig.build.json', prepack: 'tsc -p tsconfig.build.json', test: 'vitest run', typecheck: 'tsc -p tsconfig.json' },
    cdc: { identifiers: [v.name], kind: 'sink' },
    peerDependencies: { '@cdc/core': v.coreRange },
    devDependencies: { '@cdc/core': v.coreRange, '@cdc/testkit': v.testkitRange, '@types/node': '^20.19.0', typescript: '~5.9.3', vitest: '^4.1.12' },
  };
  return {
    'package.json': JSON.stringify(pkg, null, 2) + '\n',
    '.gitignore': 'node_modules/\ndist/\n',
    'tsconfig.json':
      JSON.stringify(
        {
          compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023'], types: ['node'], strict: true, skipLibCheck: true, verbatimModuleSyntax: true, noEmit: true },
          include: ['src', 'test'],
        },
        null,
        2,
      ) + '\n',
    'tsconfig.build.json':
      JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: false, rootDir: 'src', outDir: 'dist', declaration: true, sourceMap: true }, include: ['src'] }, null, 2) + '\n',
    'src/index.ts': `// What cdc imports: package.json's "cdc" field names the identifier, this module exports the factory.
import { ${fn} } from './${v.name}-sink.js';

export { ${fn} };
export { tablesOf } from './${v.name}-sink.js';
export const factories = [${fn}];
`,
    [`src/${v.name}-options.ts`]: `import type { OptionSpec } from '@cdc/core';

/** Declared options: cdc validates them (unknown key, wrong type, missing required) before create() runs. */
export const OPTIONS: readonly OptionSpec[] = [
  // TODO: the options of your system, e.g. { key: 'hostname', type: 'string', required: true, description: '...' },
  //       { key: 'password', type: 'password', description: '...' } (never printed)
  { key: 'store', type: 'string', required: true, description: 'name of the in-memory store the tables are kept in' },
];
`,
    [`src/${v.name}-sink.ts`]: `/**
 * The ${v.name} sink. As generated it keeps tables in memory (so the conformance suite passes from the
 * start); replace the Map with your system: DDL in applySchemaChange, writes in the writer. prepareCommit must
 * resolve only once the system has durably accepted everything written before it.
 */
import {
  applySchemaChange,
  defineSink,
  SinkError,
  tableIdString,
  type Event,
  type MetadataApplier,
  type Schema,
  type SchemaChangeEvent,
  type SinkWriter,
} from '@cdc/core';
import { OPTIONS } from './${v.name}-options.js';

interface Table {
  schema: Schema;
  rows: Map<string, Record<string, unknown>>;
}

const stores = new Map<string, Map<string, Table>>();

/** The tables of a store (tests read them). */
export function tablesOf(store: string): Map<string, Table> {
  let s = stores.get(store);
  if (!s) stores.set(store, (s = new Map()));
  return s;
}

const keyOf = (s: Schema, row: Record<string, unknown>) =>
  JSON.stringify((s.primaryKeys.length ? s.primaryKeys : s.columns.map((c) => c.name)).map((k) => String(row[k] ?? null)));
const toObject = (s: Schema, row: readonly unknown[]) => Object.fromEntries(s.columns.map((c, i) => [c.name, row[i]]));

function applier(tables: Map<string, Table>): MetadataApplier {
  return {
    // TODO: list only the changes your system can apply; the runtime never sends the others
    supportedSchemaChanges: ['create.table', 'add.column', 'drop.column', 'rename.column', 'truncate.table', 'drop.table'],
    async applySchemaChange(e: SchemaChangeEvent) {
      const key = tableIdString(e.tableId);
      const t = tables.get(key);
      if (e.kind === 'create.table') {
        if (!t) tables.set(key, { schema: e.schema, rows: new Map() });
        return;
      }
      if (e.kind === 'drop.table') {
        tables.delete(key);
        return;
      }
      if (!t) throw new SinkError(\`\${e.kind} on \${key}: the table does not exist\`);
      const next = applySchemaChange(t.schema, e);
      const rows = [...t.rows.values()].map((r) => {
        if (e.kind === 'drop.column') for (const c of e.droppedColumnNames) delete r[c];
        if (e.kind === 'rename.column') return Object.fromEntries(Object.entries(r).map(([k, x]) => [e.nameMapping[k] ?? k, x]));
        return r;
      });
      tables.set(key, { schema: next, rows: e.kind === 'truncate.table' ? new Map() : new Map(rows.map((r) => [keyOf(next, r), r])) });
    },
  };
}

function writer(tables: Map<string, Table>): SinkWriter {
  const schemas = new Map<string, Schema>();
  const buffer: Event[] = [];
  // TODO: send the buffered changes to your system (bulk request, transaction ...)
  const flush = () => {
    for (const e of buffer.splice(0)) {
      if (e.kind !== 'data') continue;
      const key = tableIdString(e.tableId);
      const s = schemas.get(key)!;
      const t = tables.get(key);
      if (!t) throw new SinkError(\`a \${e.op} for \${key}, which has no table — was it dropped outside the pipeline?\`);
      if (e.before && e.op !== 'INSERT') t.rows.delete(keyOf(s, toObject(s, e.before)));
      if (e.after && e.op !== 'DELETE') t.rows.set(keyOf(s, toObject(s, e.after)), toObject(s, e.after));
    }
  };
  return {
    async write(events) {
      for (const e of events) {
        if (e.kind === 'data') buffer.push(e);
        else if (e.kind === 'flush') flush();
        else {
          flush();
          const key = tableIdString(e.tableId);
          if (e.kind === 'drop.table') schemas.delete(key);
          else schemas.set(key, e.kind === 'create.table' ? e.schema : applySchemaChange(schemas.get(key), e));
        }
      }
    },
    async prepareCommit() {
      flush();
      return undefined;
    },
    async close() {},
  };
}

export const ${fn} = defineSink({
  identifier: '${v.name}',
  description: '${v.name} sink',
  options: OPTIONS,
  create(ctx) {
    const tables = tablesOf(ctx.options.requireString('store'));
    return {
      metadataApplier: () => applier(tables),
      createWriter: () => writer(tables),
      // TODO: connect and report the server version, so \`cdc check --connect\` can show it
      async check() {
        return { system: '${v.name}', version: '0.0.0', problems: [] };
      },
    };
  },
});
`,
    'test/conformance.test.ts': `// The @cdc/testkit conformance suite: run it with npm test. Point it at a real server once the sink talks to one.
import { tableIdString } from '@cdc/core';
import { describeSinkConformance } from '@cdc/testkit';
import { ${fn}, tablesOf } from '../src/index.js';

const STORE = 'conformance';

describeSinkConformance({
  factory: ${fn},
  options: () => ({ store: STORE }),
  invalidOptions: [{ options: { store: undefined }, error: /required option "store" is missing/ }],
  verifier: {
    async readRows(id) {
      const t = tablesOf(STORE).get(tableIdString(id));
      return t ? [...t.rows.values()].map((r) => Object.fromEntries(t.schema.columns.map((c) => [c.name, r[c.name] ?? null]))) : [];
    },
    async readSchema(id) {
      return tablesOf(STORE).get(tableIdString(id))?.schema;
    },
    async reset() {
      tablesOf(STORE).clear();
    },
  },
});
`,
    'README.md': `# ${v.packageName}

A [cdc](https://www.npmjs.com/package/@cdc/cli) sink connector, identifier \`${v.name}\`.

\`\`\`sh
npm install            # @cdc/core, @cdc/testkit, vitest, typescript
npm test               # the @cdc/testkit conformance suite
npm run build          # dist/
npm publish            # builds first (prepack)
\`\`\`

Use it: \`npm install @cdc/cli ${v.packageName}\` in a project, then in the pipeline file:

\`\`\`yaml
sink:
  type: ${v.name}
  store: demo
\`\`\`

\`npx cdc connectors\` lists it; \`npx cdc check pipeline.yaml\` validates its options.
See docs/authoring-a-connector.md of the cdc repository for the SPI and the rules (checkpoints, errors, options).
`,
  };
}

/** The in-memory "server" of the source template: tables and a change log with log sequence numbers. */
export function sourceTemplate(v: TemplateVars): Record<string, string> {
  const fn = `${camel(v.name)}Source`;
  const base = sinkTemplate(v);
  const pkg = JSON.parse(base['package.json']) as Record<string, unknown>;
  pkg.description = `cdc source connector (identifier ${v.name})`;
  pkg.cdc = { identifiers: [v.name], kind: 'source' };
  return {
    'package.json': JSON.stringify(pkg, null, 2) + '\n',
    '.gitignore': base['.gitignore'],
    'tsconfig.json': base['tsconfig.json'],
    'tsconfig.build.json': base['tsconfig.build.json'],
    'src/index.ts': `// What cdc imports: package.json's "cdc" field names the identifier, this module exports the factory.
import { ${fn} } from './${v.name}-source.js';

export { ${fn} };
export { server } from './${v.name}-source.js';
export const factories = [${fn}];
`,
    [`src/${v.name}-options.ts`]: `import type { OptionSpec } from '@cdc/core';

/** Declared options: cdc validates them (unknown key, wrong type, missing required) before create() runs. */
export const OPTIONS: readonly OptionSpec[] = [
  // TODO: the options of your system, e.g. { key: 'hostname', type: 'string', required: true, description: '...' },
  //       { key: 'password', type: 'password', description: '...' } (never printed)
  { key: 'tables', type: 'list', required: true, description: 'tables to capture, as db.table' },
  { key: 'poll.interval', type: 'duration', default: 20, description: 'pause between two reads of the change log' },
];
`,
    [`src/${v.name}-source.ts`]: `/**
 * The ${v.name} source: a snapshot, then the change log from the position the snapshot was taken at. As
 * generated it reads an in-memory "server" (so the conformance suite passes from the start); replace \`server\`
 * with your system's client. The state of a batch is the log position after it: a restart resumes there.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { defineSource, Events, StateError, tableIdString, type Event, type JsonValue, type Schema, type SourceBatch, type TableId } from '@cdc/core';
import { OPTIONS } from './${v.name}-options.js';

interface LogEntry {
  readonly lsn: number;
  readonly event: Event;
}

/** TODO: your system. Tables with their rows, and a change log where every change gets the next lsn. */
export const server = {
  lsn: 0,
  log: [] as LogEntry[],
  tables: new Map<string, { id: TableId; schema: Schema; rows: Map<string, readonly unknown[]> }>(),
  record(event: Event): void {
    this.log.push({ lsn: ++this.lsn, event });
  },
};

/** The state this source stores at checkpoints; anything else is refused with a StateError. */
function parseState(state: JsonValue | undefined): { lsn: number } | undefined {
  if (state === undefined) return undefined;
  const s = state as { lsn?: unknown };
  if (typeof s !== 'object' || s === null || Array.isArray(s) || typeof s.lsn !== 'number' || Object.keys(s).length !== 1) {
    throw new StateError(\`${v.name} state is not valid: expected {"lsn": <number>}, got \${JSON.stringify(state)}\`, {
      hint: 'start without the state (delete the pipeline state dir) to snapshot again',
    });
  }
  return { lsn: s.lsn };
}

export const ${fn} = defineSource({
  identifier: '${v.name}',
  description: '${v.name} source',
  options: OPTIONS,
  create(ctx) {
    const wanted = new Set(ctx.options.list('tables'));
    const pollMs = Number(ctx.options.number('poll.interval') ?? 20);
    const captured = () => [...server.tables.values()].filter((t) => wanted.has(tableIdString(t.id)));
    return {
      metadata: () => ({
        listTables: async () => captured().map((t) => t.id),
        getTableSchema: async (id: TableId) => {
          const t = server.tables.get(tableIdString(id));
          if (!t) throw new StateError(\`table \${tableIdString(id)} does not exist\`);
          return t.schema;
        },
      }),
      // TODO: connect and report the server version, so \`cdc check --connect\` can show it
      async check() {
        return { system: '${v.name}', version: '0.0.0', problems: [] };
      },
      createReader(rctx) {
        const restored = parseState(rctx.restoredState);
        let closed = false;
        return {
          async *read(): AsyncGenerator<SourceBatch> {
            const creates = captured().map((t) => Events.createTable(t.id, t.schema));
            let lsn: number;
            if (!restored) {
              // snapshot: every row, at the log position of this moment
              lsn = server.lsn;
              const at = lsn;
              const rows = captured().flatMap((t) => [...t.rows.values()].map((r) => Events.insert(t.id, r)));
              yield { events: [...creates, ...rows], state: (): JsonValue => ({ lsn: at }) };
            } else {
              lsn = restored.lsn;
              yield { events: creates };
            }
            while (!closed && !rctx.signal.aborted) {
              const next = server.log.filter((e) => e.lsn > lsn);
              if (next.length) {
                lsn = next[next.length - 1].lsn;
                const at = lsn;
                const mine = next.map((e) => e.event).filter((e) => e.kind !== 'flush' && wanted.has(tableIdString(e.tableId)));
                if (mine.length) yield { events: mine, state: (): JsonValue => ({ lsn: at }) };
              }
              await sleep(pollMs, undefined, { signal: rctx.signal }).catch(() => undefined);
            }
          },
          async close() {
            closed = true;
          },
        };
      },
    };
  },
});
`,
    'test/conformance.test.ts': `// The @cdc/testkit conformance suite: run it with npm test. Point the driver at a real server once the source reads one.
import { Events, tableIdString, type Schema } from '@cdc/core';
import { describeSourceConformance } from '@cdc/testkit';
import { ${fn}, server } from '../src/index.js';

const keyOf = (s: Schema, row: Record<string, unknown>) => JSON.stringify(s.primaryKeys.map((k) => String(row[k])));
const asRow = (s: Schema, row: Record<string, unknown>) => s.columns.map((c) => row[c.name] ?? null);
const table = (id: Parameters<typeof tableIdString>[0]) => server.tables.get(tableIdString(id))!;

describeSourceConformance({
  factory: ${fn},
  options: (tables) => ({ tables: tables.map(tableIdString) }),
  invalidOptions: [{ options: { tables: undefined }, error: /required option "tables" is missing/ }],
  supportsStreaming: true,
  timeoutMs: 20_000,
  driver: {
    async createTable(id, schema) {
      server.tables.set(tableIdString(id), { id, schema, rows: new Map() });
      server.record(Events.createTable(id, schema));
    },
    async insert(id, rows) {
      const t = table(id);
      for (const r of rows) {
        t.rows.set(keyOf(t.schema, r), asRow(t.schema, r));
        server.record(Events.insert(id, asRow(t.schema, r)));
      }
    },
    async update(id, key, set) {
      const t = table(id);
      const before = t.rows.get(keyOf(t.schema, key))!;
      const after = asRow(t.schema, { ...Object.fromEntries(t.schema.columns.map((c, i) => [c.name, before[i]])), ...set });
      t.rows.set(keyOf(t.schema, key), after);
      server.record(Events.update(id, before, after));
    },
    async delete(id, key) {
      const t = table(id);
      const before = t.rows.get(keyOf(t.schema, key))!;
      t.rows.delete(keyOf(t.schema, key));
      server.record(Events.delete(id, before));
    },
    async dropTable(id) {
      server.tables.delete(tableIdString(id));
    },
  },
});
`,
    'README.md': base['README.md']
      .replace('A [cdc](https://www.npmjs.com/package/@cdc/cli) sink connector', 'A [cdc](https://www.npmjs.com/package/@cdc/cli) source connector')
      .replace(`sink:\n  type: ${v.name}\n  store: demo`, `source:\n  type: ${v.name}\n  tables: app.orders`),
  };
}
