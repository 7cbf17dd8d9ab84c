/**
 * V8 settings for a process that runs pipelines, applied before the first pipeline allocates anything.
 *
 * Allocation-site pretenuring is off: V8 decides per allocation site (an object or array literal in the code) to
 * allocate straight in the old generation once most of its objects survived a young-generation collection. In a
 * pipeline every event and row survives for a while (they wait in bounded queues, a batch at a time) and then dies,
 * so that decision is taken by chance, in about one 5M-row snapshot in four: from then on every event is an old
 * object pointing at young rows, each young collection keeps them all, and the run took twice the CPU and 210-220 MB
 * instead of 130-140 MB (postgres snapshot benchmark, `--trace-gc`). Without it: 16 runs out of 16 normal.
 */
import { setFlagsFromString } from 'node:v8';

export const PIPELINE_V8_FLAGS: readonly string[] = ['--no-allocation-site-pretenuring'];

export function tuneV8ForPipelines(): void {
  for (const flag of PIPELINE_V8_FLAGS) setFlagsFromString(flag);
}
