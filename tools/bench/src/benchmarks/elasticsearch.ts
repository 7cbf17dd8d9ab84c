/**
 * The `elasticsearch` sink against the node of tools/services/elasticsearch (started if needed):
 * docs/s of N insert events through the sink writer into one index vs the same documents sent by a plain loop of
 * official-client `client.bulk()` calls, measured in the same run; peak RSS of a child process writing with the
 * default limits while the index answers every item with 429 for a while. The work is in
 * connectors/elasticsearch/bench/bulk.ts (also runnable alone there).
 */
import { ours, prepare, reference, throttledPeakRss } from '../../../../connectors/elasticsearch/bench/bulk.js';
import { argNumber, type Benchmark } from '../bench.js';

export const elasticsearchBenchmark: Benchmark = {
  name: 'elasticsearch',
  description: 'elasticsearch sink docs/s vs a plain official-client bulk loop; peak RSS while the index is throttled (--events N, default 1000000; --block-ms M, default 20000)',
  async run(args, report) {
    const n = argNumber(args, 'events', 1_000_000);
    const blockMs = argNumber(args, 'block-ms', 20_000);
    await prepare();
    const ref = await reference(n);
    report({ name: 'official client, sequential client.bulk() of 500 docs', value: Math.round(n / ref), unit: `docs/s (${ref.toFixed(1)} s)` });
    const o = await ours(n);
    report({ name: 'elasticsearch sink writer (defaults: batch 500, 5 in flight)', value: Math.round(n / o), unit: `docs/s (${o.toFixed(1)} s)` });
    const throttledEvents = Math.min(n, 300_000);
    const t = await throttledPeakRss(throttledEvents, blockMs);
    report({ name: `peak RSS of a writer pushing ${throttledEvents.toLocaleString('en-US')} events, index blocked (429) for ${blockMs} ms`, value: t.peakRssMb, unit: 'MB' });
    return {
      figures: [],
      ratios: { sink_vs_official_bulk_loop: ref / o, rss_limit_300mb_over_throttled_peak_rss: 300 / t.peakRssMb },
      targets: { sink_vs_official_bulk_loop: 0.8, rss_limit_300mb_over_throttled_peak_rss: 1 },
    };
  },
};
