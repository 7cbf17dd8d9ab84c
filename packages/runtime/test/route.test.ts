import { describe, expect, it } from 'vitest';
import { tableId, tableIdString } from '@cdc/core';
import { compileSelectors, Router } from '../src/index.js';

const r = (sourceTable: string, sinkTable: string, replaceSymbol?: string) => ({ sourceTable, sinkTable, line: 1, ...(replaceSymbol ? { replaceSymbol } : {}) });

describe('selectors (Flink CDC syntax)', () => {
  it('a regex per part, \\. is a regex dot, commas separate selectors', () => {
    const s = compileSelectors('app_db.order_\\.*, other.users', 'x');
    expect(s.matches(tableId('app_db', 'order_2024'))).toBe(true);
    expect(s.matches(tableId('app_db', 'orders'))).toBe(false);
    expect(s.matches(tableId('other', 'users'))).toBe(true);
    expect(s.matches(tableId('app_db', 'users'))).toBe(false);
    expect(s.matches(tableId('x', 'app_db', 'order_1'))).toBe(false);
  });
  it('quantifier commas are not separators', () => {
    expect(compileSelectors('db.t_[0-9]{1,2}', 'x').matches(tableId('db', 't_42'))).toBe(true);
  });
  it('an invalid regex is a clear error', () => {
    expect(() => compileSelectors('db.order_[', 'p.yaml:3: route[0].source-table')).toThrow(/p\.yaml:3: route\[0\]\.source-table: invalid regular expression "order_\["/);
  });
});

describe('Router', () => {
  it('routes, replace-symbol, several routes, pass-through', () => {
    const router = new Router([r('app.orders', 'ods.ods_orders'), r('app.product_\\.*', 'ods.ods_<>', '<>'), r('app.orders', 'audit.all')]);
    expect(router.route(tableId('app', 'orders')).map(tableIdString)).toEqual(['ods.ods_orders', 'audit.all']);
    expect(router.route(tableId('app', 'product_a')).map(tableIdString)).toEqual(['ods.ods_product_a']);
    expect(router.route(tableId('app', 'users')).map(tableIdString)).toEqual(['app.users']);
  });
  it('many shards to one table', () => {
    const router = new Router([r('db\\.*.user_\\.*', 'all.users')]);
    expect(router.route(tableId('db1', 'user_01')).map(tableIdString)).toEqual(['all.users']);
    expect(router.route(tableId('db2', 'user_99')).map(tableIdString)).toEqual(['all.users']);
  });
});
