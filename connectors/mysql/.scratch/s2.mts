import mysql from 'mysql2/promise';
import { BinlogStream } from '../src/binlog/client.ts';
const cfg = { host: '127.0.0.1', port: 13306, user: 'cdc', password: 'cdc' };
const c = await mysql.createConnection({ ...cfg, multipleStatements: true });
await c.query('CREATE DATABASE IF NOT EXISTS cdc_mysql_smoke; USE cdc_mysql_smoke; DROP TABLE IF EXISTS t; CREATE TABLE t (id INT PRIMARY KEY, a BIGINT UNSIGNED, d DECIMAL(65,30), ts TIMESTAMP(6) NULL, dt DATETIME(6), tm TIME(6), s VARCHAR(20) CHARSET utf8mb4, l VARCHAR(20) CHARSET latin1, j JSON, e ENUM("x","y"), st SET("a","b","c"), b BIT(10), y YEAR, g GEOMETRY, dd DATE, f FLOAT, bl BLOB, tx TEXT)');
const [[st]] = await c.query('SHOW MASTER STATUS') as any;
console.log(st);
await c.query("INSERT INTO t VALUES (1, 18446744073709551615, '-12345678901234567890123456789012345.123456789012345678901234567891', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.000001', '-838:59:59.000000', 'héllo 😀', 'café', '{\"a\": [1, 2.5, \"x\"]}', 'y', 'a,c', b'1010101010', 2024, ST_GeomFromText('POINT(1 2)'), '0000-00-00', 3.14, x'00ff', 'text')");
await c.query("UPDATE t SET a = 1 WHERE id = 1; DELETE FROM t WHERE id = 1");
const s = new BinlogStream({ connection: cfg, serverId: 5499, start: { kind: 'file', file: st.File, position: st.Position }, nonBlocking: true });
console.log(await s.start());
const show = (v: unknown) => JSON.stringify(v, (_k, x) => typeof x === 'bigint' ? x.toString() + 'n' : x instanceof Uint8Array ? 'bytes:' + Buffer.from(x).toString('hex') : x);
for await (const { event, file } of s) {
  if (event.type === 'rows') console.log(file, event.header.type, event.op, show(event.before ?? null), show(event.rows));
  else console.log(file, event.type, event.header.logPos, event.type === 'query' || event.type === 'rows-query' ? event.query.slice(0, 80) : event.type === 'gtid' ? event.gtid : event.type === 'table-map' ? event.tableMap.types.join(',') : '');
}
await c.end();
