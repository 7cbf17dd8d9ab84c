import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readOutputFile } from '@cdc/connector-values';
import { cli, repoRoot, startCli } from './run-cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'cdc-cli-'));
function file(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const SIMPLE = (extraSource = '', extraSink = '', rest = '') => `
source:
  type: values
  events: |
    - { op: create, table: db.t, schema: { columns: [ { name: id, type: BIGINT NOT NULL }, { name: v, type: STRING } ], primaryKeys: [ id ] } }
    - { op: insert, table: db.t, after: { id: "1", v: a } }
${extraSource}
sink:
  type: values
${extraSink}
${rest}`;

describe('cdc CLI: basics', () => {
  it('--version, --help', async () => {
    const v = await cli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^cdc \d+\.\d+\.\d+/);
    const h = await cli(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('cdc run <pipeline.yaml>');
  });

  it('connectors lists the installed values connector', async () => {
    const r = await cli(['connectors']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/values\s+source\/sink\s+@cdc\/connector-values\s+0\.1\.0/);
    const j = JSON.parse((await cli(['connectors', '--json'])).stdout) as { connectors: { identifier: string; compatible: boolean }[] };
    expect(j.connectors).toContainEqual(expect.objectContaining({ identifier: 'values', compatible: true }));
  });

  it('catalog lists the official connectors and their versions (also as JSON)', async () => {
    const r = await cli(['catalog']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/doris\s+sink\s+@cdc\/connector-doris\s+0\.1\.0\s+\^0\.1\.0\s+3\.5\s+Apache Doris 1\.2\.x, 2\.x, 3\.x/);
    const j = JSON.parse((await cli(['catalog', '--json'])).stdout) as { connectors: { identifier: string; installed: unknown }[] };
    expect(j.connectors).toHaveLength(12);
    expect(j.connectors.find((c) => c.identifier === 'values')?.installed).toEqual({ version: '0.1.0', compatible: true, inMatrix: true });
    expect(j.connectors.find((c) => c.identifier === 'paimon')?.installed).toBeNull();
  });

  it('bad usage exits 2 with one line', async () => {
    const r = await cli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('error: [cdc] unknown command "frobnicate" — use run, check, connectors, catalog or new (cdc --help)');
    const f = await cli(['run', '--bogus']);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/unknown option '--bogus'/);
  });
});

describe('cdc run: bad input gets a clear error and exit code 2', () => {
  const cases: [string, string, RegExp][] = [
    ['YAML syntax error (with line)', 'source:\n  type: values\n  events: [\nsink:\n  type: values\n', /bad\.yaml:\d+: YAML syntax error/],
    ['unknown source type (lists installed + the package)', SIMPLE().replace('type: values', 'type: doris'), /source connector "doris" is not installed; installed: values \(source\/sink, @cdc\/connector-values\) — run npm install @cdc\/connector-doris/],
    ['unknown option (lists supported)', SIMPLE('', '  print.enabeld: true'), /bad\.yaml:\d+: sink \(values\): unknown option "print.enabeld" \(did you mean "print.enabled"\?\) — supported options: sink.id, print.enabled/],
    ['wrong option type', SIMPLE('  batch.size: lots'), /option "batch.size" has value "lots", expected an integer/],
    ['invalid regex in route', SIMPLE('', '', 'route:\n  - source-table: db.t[\n    sink-table: x.y\n'), /bad\.yaml:\d+: route\[0\]\.source-table: invalid regular expression "t\["/],
    ['transform expression syntax error (with position)', SIMPLE('', '', 'transform:\n  - source-table: db.t\n    projection: id, v +\n'), /bad\.yaml:\d+: .*(position|column) \d+/],
    ['unknown column in projection', SIMPLE('', '', 'transform:\n  - source-table: db.t\n    projection: id, nope\n'), /nope/],
    ['bad pipeline option', SIMPLE('', '', 'pipeline:\n  schema.change.behavior: sometimes\n'), /schema.change.behavior.*expected one of ignore, lenient, try_evolve, evolve, exception/],
  ];
  for (const [what, yaml, expected] of cases) {
    it(what, async () => {
      const dir = tmp();
      const p = file(dir, 'bad.yaml', yaml);
      const r = await cli(['run', p, '--state-dir', join(dir, 'state')]);
      expect(r.stderr).toMatch(expected);
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace without --verbose
    });
  }

  it('missing file', async () => {
    const r = await cli(['run', '/nonexistent/p.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pipeline file \/nonexistent\/p.yaml does not exist/);
  });

  it('--verbose adds the stack trace', async () => {
    const r = await cli(['run', '/nonexistent/p.yaml', '--verbose']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it('incompatible connector version: run refuses, check reports it in the table', async () => {
    const dir = tmp();
    const plug = join(dir, 'plugins', 'old-sink');
    mkdirSync(plug, { recursive: true });
    writeFileSync(join(plug, 'package.json'), JSON.stringify({ name: 'cdc-old-sink', version: '3.0.0', type: 'module', peerDependencies: { '@cdc/core': '^9.0.0' }, cdc: { identifiers: ['oldsink'], kind: 'sink', entry: './index.js' } }));
    writeFileSync(join(plug, 'index.js'), "throw new Error('must not be imported');");
    const p = file(dir, 'p.yaml', SIMPLE().replace(/sink:\n  type: values/, 'sink:\n  type: oldsink'));
    const r = await cli(['run', p, '--plugin-dir', join(dir, 'plugins')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/connector cdc-old-sink@3.0.0 cannot be used: built for @cdc\/core \^9.0.0, running @cdc\/core is 0\.1\.0/);
    const c = await cli(['check', p, '--plugin-dir', join(dir, 'plugins')]);
    expect(c.code).toBe(2);
    expect(c.stdout).toMatch(/sink connector "oldsink"\s+FAIL\s+cdc-old-sink@3.0.0 \(core \^9.0.0\): built for @cdc\/core \^9.0.0/);
    expect(c.stdout).toMatch(/verdict: FAILED: 1 problem/);
  });
});

describe('cdc check', () => {
  it('a good pipeline: table and verdict OK', async () => {
    const dir = tmp();
    const p = file(dir, 'p.yaml', SIMPLE());
    const r = await cli(['check', p]);
    expect(r.stdout).toMatch(/source connector "values"\s+OK\s+@cdc\/connector-values@0\.1\.0/);
    expect(r.stdout).toMatch(/verdict: OK/);
    expect(r.code).toBe(0);
    const j = JSON.parse((await cli(['check', p, '--json'])).stdout) as { verdict: string; exitCode: number };
    expect(j).toMatchObject({ verdict: 'ok', exitCode: 0 });
  });
  it('a bad option: FAIL and exit 2', async () => {
    const dir = tmp();
    const r = await cli(['check', file(dir, 'p.yaml', SIMPLE('  nonsense: 1'))]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/options, routes, transforms\s+FAIL\s+.*unknown option "nonsense"/);
  });
});

describe('cdc run: a values -> values pipeline with two routes, a transform and a schema change', () => {
  it('produces exactly the expected tables', async () => {
    const dir = tmp();
    const out = join(dir, 'out.json');
    const p = file(
      dir,
      'p.yaml',
      `
source:
  type: values
  events: |
    - { op: create, table: app.orders_1, schema: { columns: [ { name: id, type: BIGINT NOT NULL }, { name: amount, type: "DECIMAL(38, 10)" }, { name: at, type: TIMESTAMP(6) } ], primaryKeys: [ id ] } }
    - { op: create, table: app.orders_2, schema: { columns: [ { name: id, type: BIGINT NOT NULL }, { name: amount, type: "DECIMAL(38, 10)" }, { name: at, type: TIMESTAMP(6) } ], primaryKeys: [ id ] } }
    - { op: create, table: app.users, schema: { columns: [ { name: uid, type: INT NOT NULL }, { name: name, type: STRING } ], primaryKeys: [ uid ] } }
    - { op: insert, table: app.orders_1, after: { id: "9223372036854775807", amount: "1234567890123456789012345678.0123456789", at: "2024-02-29T23:59:59.999999" } }
    - { op: insert, table: app.orders_2, after: { id: "2", amount: "-0.5", at: "2024-01-01T00:00:00.000001" } }
    - { op: insert, table: app.orders_1, after: { id: "3", amount: "0", at: null } }
    - { op: insert, table: app.users, after: { uid: 1, name: "Zoë 🚀" } }
    - { op: add.column, table: app.orders_2, columns: [ { name: note, type: VARCHAR(20), position: AFTER, existing: id } ] }
    - { op: insert, table: app.orders_2, after: { id: "4", note: "new", amount: "10", at: null } }
    - { op: update, table: app.users, before: { uid: 1, name: "Zoë 🚀" }, after: { uid: 1, name: "Zoe" } }
    - { op: delete, table: app.orders_1, before: { id: "3", amount: "0", at: null } }
    - { op: rename.column, table: app.users, mapping: { name: full_name } }
    - { op: insert, table: app.users, after: { uid: 2, full_name: "Grace" } }
sink:
  type: values
  sink.output.file: ${out}
route:
  - source-table: app.orders_\\.*
    sink-table: ods.orders
  - source-table: app.users
    sink-table: ods.users
transform:
  - source-table: app.orders_\\.*
    projection: "*, __table_name__ AS src, amount * 2 AS doubled"
    filter: id <> 2
pipeline:
  schema.change.behavior: lenient
  parallelism: 3
`,
    );
    const r = await cli(['run', p, '--state-dir', join(dir, 'state')]);
    expect(r.stderr).toMatch(/finished/);
    expect(r.code).toBe(0);
    const o = readOutputFile(out);
    expect(Object.keys(o.tables).sort()).toEqual(['ods.orders', 'ods.users']);
    const orders = o.tables['ods.orders'];
    expect(orders.schema.columns.map((c) => c.name)).toEqual(['id', 'amount', 'at', 'src', 'doubled', 'note']);
    expect(orders.rowsAsJson).toEqual([
      { id: '4', amount: '10', at: null, src: 'orders_2', doubled: '20.0000000000', note: 'new' },
      { id: '9223372036854775807', amount: '1234567890123456789012345678.0123456789', at: '2024-02-29T23:59:59.999999', src: 'orders_1', doubled: '2469135780246913578024691356.0246913578', note: null },
    ]);
    const users = o.tables['ods.users'];
    // lenient: a rename adds the new column and keeps the old one
    expect(users.schema.columns.map((c) => c.name)).toEqual(['uid', 'name', 'full_name']);
    expect(users.rowsAsJson).toEqual([
      { uid: 1, name: 'Zoe', full_name: null },
      { uid: 2, name: null, full_name: 'Grace' },
    ]);
    // the checkpoint is on disk
    expect(existsSync(join(dir, 'state', 'cdc-pipeline', 'checkpoint.json'))).toBe(true);
  });
});

describe('cdc run: crash and stop', () => {
  function events(n: number): string {
    const lines = [JSON.stringify({ op: 'create', table: 'db.t', schema: { columns: [{ name: 'id', type: 'BIGINT NOT NULL' }, { name: 'v', type: 'BIGINT' }], primaryKeys: ['id'] } })];
    for (let i = 0; i < n; i++) {
      lines.push(JSON.stringify({ op: 'insert', table: 'db.t', after: { id: String(i % 500), v: String(i) } }));
    }
    return lines.join('\n') + '\n';
  }

  it('kill -9 mid-run, then restart: the sink ends equal to the source', async () => {
    const dir = tmp();
    const out = join(dir, 'out.json');
    file(dir, 'events.jsonl', events(3000));
    const yaml = (delay: number) => `
source:
  type: values
  events.file: ${join(dir, 'events.jsonl')}
  batch.size: 50
  source.delay.ms: ${delay}
sink:
  type: values
  sink.output.file: ${out}
pipeline:
  name: crash test
  parallelism: 2
  execution.checkpointing.interval: 100ms
`;
    const p = file(dir, 'p.yaml', yaml(25));
    const run = startCli(['run', p, '--state-dir', join(dir, 'state')]);
    // wait until a few checkpoints are on disk, then kill -9
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (existsSync(out) && readOutputFile(out).checkpointId >= 3) break;
      if (Date.now() > deadline) throw new Error(`no checkpoint: ${run.output().stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    run.child.kill('SIGKILL');
    const killed = await run.done;
    expect(killed.signal).toBe('SIGKILL');
    const partial = readOutputFile(out).tables['db.t'].rowsAsJson.length;
    expect(partial).toBeLessThanOrEqual(500);
    file(dir, 'p.yaml', yaml(0));
    const again = await cli(['run', p, '--state-dir', join(dir, 'state')]);
    expect(again.stderr).toMatch(/resuming from checkpoint #\d+/);
    expect(again.code).toBe(0);
    const rows = readOutputFile(out).tables['db.t'].rowsAsJson;
    expect(rows).toHaveLength(500);
    // the last write of each key wins: key k was last written by event 2500 + k
    for (const r of rows) expect(r.v).toBe(String(2500 + Number(r.id)));
  });

  it('SIGTERM: final checkpoint and exit 0', async () => {
    const dir = tmp();
    const out = join(dir, 'out.json');
    file(dir, 'events.jsonl', events(10));
    const p = file(
      dir,
      'p.yaml',
      `
source:
  type: values
  events.file: ${join(dir, 'events.jsonl')}
  source.unbounded: true
sink:
  type: values
  sink.output.file: ${out}
pipeline:
  execution.checkpointing.interval: 1h
`,
    );
    const run = startCli(['run', p, '--state-dir', join(dir, 'state')]);
    const deadline = Date.now() + 30_000;
    while (!/values source/.test(run.output().stderr)) {
      if (Date.now() > deadline) throw new Error(run.output().stderr);
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 300));
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.stderr).toMatch(/SIGTERM received/);
    expect(r.stderr).toMatch(/stopped/);
    expect(r.code).toBe(0);
    expect(readOutputFile(out).tables['db.t'].rowsAsJson).toHaveLength(10);
  });
});

describe('README commands', () => {
  it('the README names the demo and test commands and .ci/run calls the test command', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    expect(readme).toContain('npm run demo');
    expect(readme).toContain('npm test');
    expect(readFileSync(join(repoRoot, '.ci', 'run'), 'utf8')).toMatch(/\nnpm test\n/);
  });
});
