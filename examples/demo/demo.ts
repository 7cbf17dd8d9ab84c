/**
 * `npm run demo [-- mysql | values]`:
 * - mysql (default): MariaDB -> values sink with a snapshot and live changes, through `cdc run` (mysql-demo.ts);
 * - values: a values -> values pipeline with routes, a transform and schema changes, no server (values-demo.ts).
 */
import { mysqlDemo } from './mysql-demo.js';
import { valuesDemo } from './values-demo.js';

const DEMOS: Record<string, () => Promise<number>> = { mysql: mysqlDemo, values: valuesDemo };
const name = process.argv[2] ?? 'mysql';
const demo = DEMOS[name];
if (!demo) {
  process.stderr.write(`unknown demo "${name}": npm run demo -- ${Object.keys(DEMOS).join(' | ')}\n`);
  process.exitCode = 2;
} else {
  try {
    process.exitCode = await demo();
  } catch (e) {
    process.stderr.write(`demo failed: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
