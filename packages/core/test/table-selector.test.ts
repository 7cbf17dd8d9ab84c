import { describe, expect, it } from 'vitest';
import { compileTableSelector } from '../src/index.js';

describe('table selectors', () => {
  const sel = compileTableSelector('app.public.order_\\.*, app.s[12].t, app.public.nosuch', { where: 'option tables' });
  const id = (schema: string, table: string) => ({ namespace: 'app', schema, table });

  it('matches each part as a whole regular expression, \\. being a regex dot', () => {
    expect(sel.matches(id('public', 'order_1'))).toBe(true);
    expect(sel.matches(id('public', 'order_'))).toBe(true);
    expect(sel.matches(id('public', 'orders'))).toBe(false);
    expect(sel.matches(id('s2', 't'))).toBe(true);
    expect(sel.matches(id('s2', 'tt'))).toBe(false);
    expect(sel.matches({ namespace: 'other', schema: 's1', table: 't' })).toBe(false);
  });

  it('names the patterns that match none of the tables found', () => {
    expect(sel.unmatched([id('public', 'order_1'), id('s1', 't')])).toEqual(['app.public.nosuch']);
    expect(sel.unmatched([])).toEqual(['app.public.order_\\.*', 'app.s[12].t', 'app.public.nosuch']);
    expect(sel.unmatched([id('public', 'order_1'), id('s2', 't'), id('public', 'nosuch')])).toEqual([]);
  });

  it('rejects an empty selector and a bad regular expression with the option named', () => {
    expect(() => compileTableSelector(' , ', { where: 'option tables' })).toThrow(/option tables: empty table selector/);
    expect(() => compileTableSelector('app.(x', { where: 'route[0].source-table' })).toThrow(/route\[0\]\.source-table: invalid regular expression "\(x"/);
  });
});
