import { describe, expect, it } from 'vitest';
import { loadPipelineFile, parsePipelineYaml, resolvePipelineSettings } from '../src/index.js';

const FLINK_EXAMPLE = `
################################################################################
# Description: Sync MySQL all tables to Doris (Flink CDC quickstart, unchanged)
################################################################################
source:
  type: mysql
  hostname: localhost
  port: 3306
  username: root
  password: 123456
  tables: app_db.\\.*
  server-id: 5400-5404
  server-time-zone: UTC

sink:
  type: doris
  fenodes: 127.0.0.1:8030
  username: root
  password: ""
  table.create.properties.light_schema_change: true
  table.create.properties.replication_num: 1

route:
  - source-table: app_db.orders
    sink-table: ods_db.ods_orders
  - source-table: app_db.shipments
    sink-table: ods_db.ods_shipments
    description: sync shipments
  - source-table: app_db.product_\\.*
    sink-table: ods_db.ods_<>
    replace-symbol: <>

transform:
  - source-table: app_db.orders
    projection: id, order_id, UPPER(product_name) as product_name, price * 2 AS double_price
    filter: id > 10 AND order_id > 100
    primary-keys: id
    partition-keys: product_name
    table-options: comment=web order
    description: project fields and filter

pipeline:
  name: Sync MySQL Database to Doris
  parallelism: 2
  schema.change.behavior: evolve
  local-time-zone: Asia/Shanghai
  user-defined-function:
    - name: addone
      classpath: ./udf/addone.mjs
`;

describe('pipeline definition', () => {
  it('parses a Flink CDC pipeline file unchanged', () => {
    const def = parsePipelineYaml(FLINK_EXAMPLE, 'flink.yaml');
    expect(def.source.type).toBe('mysql');
    expect(def.source.options.tables).toBe('app_db.\\.*');
    expect(def.source.options.port).toBe(3306);
    expect(def.sink.options['table.create.properties.replication_num']).toBe(1);
    expect(def.routes).toHaveLength(3);
    expect(def.routes[2]).toMatchObject({ sourceTable: 'app_db.product_\\.*', sinkTable: 'ods_db.ods_<>', replaceSymbol: '<>' });
    expect(def.transforms[0]).toMatchObject({ sourceTable: 'app_db.orders', primaryKeys: 'id', partitionKeys: 'product_name', tableOptions: 'comment=web order' });
    expect(def.udfs).toEqual([{ name: 'addone', classpath: './udf/addone.mjs', line: expect.any(Number) }]);
    const settings = resolvePipelineSettings(def);
    expect(settings).toMatchObject({ name: 'Sync MySQL Database to Doris', parallelism: 2, schemaChangeBehavior: 'evolve', localTimeZone: 'Asia/Shanghai' });
  });

  it('YAML syntax errors name the line', () => {
    expect(() => parsePipelineYaml('source:\n  type: values\n sink: [\n', 'p.yaml')).toThrow(/p\.yaml:\d+: YAML syntax error/);
    expect(() => parsePipelineYaml('source:\n  type: values\n  type: mysql\nsink:\n  type: values\n', 'p.yaml')).toThrow(/p\.yaml:3: YAML syntax error.*unique/i);
  });

  it('structural errors name the line and what to do', () => {
    expect(() => parsePipelineYaml('source:\n  type: values\n', 'p.yaml')).toThrow(/the pipeline has no "sink" section/);
    expect(() => parsePipelineYaml('source:\n  hostname: x\nsink:\n  type: values\n', 'p.yaml')).toThrow(/p\.yaml:1: "source" has no "type"/);
    expect(() => parsePipelineYaml('source:\n  type: values\nsink:\n  type: values\nroutes: []\n', 'p.yaml')).toThrow(/p\.yaml:5: unknown top-level key "routes"/);
    expect(() => parsePipelineYaml('source:\n  type: values\nsink:\n  type: values\nroute:\n  - source-table: a.b\n', 'p.yaml')).toThrow(/route\[0\] has no "sink-table"/);
    expect(() => parsePipelineYaml('source:\n  type: values\nsink:\n  type: values\nroute:\n  - source-table: a.b\n    sink-tabel: c.d\n', 'p.yaml')).toThrow(/p\.yaml:7: unknown key "sink-tabel" in route\[0\]/);
  });

  it('pipeline options are validated', () => {
    const bad = parsePipelineYaml('source:\n  type: values\nsink:\n  type: values\npipeline:\n  parallelism: many\n  schema.change.behavior: sometimes\n');
    expect(() => resolvePipelineSettings(bad)).toThrow(/option "parallelism" has value "many", expected an integer.*schema.change.behavior/);
    const tz = parsePipelineYaml('source:\n  type: values\nsink:\n  type: values\npipeline:\n  local-time-zone: Mars/Olympus\n', 'p.yaml');
    expect(() => resolvePipelineSettings(tz)).toThrow(/p\.yaml:6: pipeline.local-time-zone "Mars\/Olympus" is not a time zone/);
  });

  it('a missing file is a clear error', () => {
    expect(() => loadPipelineFile('/nonexistent/pipeline.yaml')).toThrow(/pipeline file \/nonexistent\/pipeline.yaml does not exist/);
  });
});
