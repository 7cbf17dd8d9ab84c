/**
 * Files of `cdc new connector <name>`: a sink package that passes the @cdc/testkit conformance suite as
 * generated (it keeps tables in memory), with comments where the real external system goes.
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
