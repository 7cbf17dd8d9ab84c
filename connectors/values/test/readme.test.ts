/**
 * The README's example works: its pipeline's source and sink sections validate against the factories' options,
 * the events go through the sink (schema changes forwarded as they are, as schema.change.behavior evolve does)
 * and print the lines the README shows; the option tables list every option.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { readOutputFile, SINK_OPTIONS, SOURCE_OPTIONS } from '../src/index.js';
import { pipe, readAll, reader, sink, source } from './helpers.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const blocks = (lang: string) => [...readme.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
const dir = mkdtempSync(join(tmpdir(), 'cdc-values-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README', () => {
  it('the example pipeline runs and prints what the README shows', async () => {
    const pipeline = parse(blocks('yaml')[0]) as { source: Record<string, unknown>; sink: Record<string, unknown> };
    const { type: st, ...srcOptions } = pipeline.source;
    const { type: kt, ...sinkOptions } = pipeline.sink;
    expect([st, kt]).toEqual(['values', 'values']);
    const out = join(dir, 'out.json');
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    });
    try {
      const { events } = await readAll(await reader(source(srcOptions)));
      const w = await pipe(events, sink({ ...sinkOptions, 'sink.id': 'readme', 'sink.output.file': out }));
      await w.prepareCommit(1);
    } finally {
      vi.restoreAllMocks();
    }
    const printed = /```\n([\s\S]*?)```/.exec(readme.split('The sink prints')[1])![1].split('\n').filter(Boolean);
    expect(lines).toEqual(printed);
    expect(readOutputFile(out).tables['app.orders'].rowsAsJson).toEqual([
      { id: '2', amount: '1.5', created: '2024-01-02T03:04:06', note: 'second', status: 'paid' },
    ]);
  });

  it('the option tables list every option', () => {
    for (const o of [...SOURCE_OPTIONS, ...SINK_OPTIONS]) expect(readme).toContain(`| \`${o.key}\` | ${o.type} |`);
  });
});
