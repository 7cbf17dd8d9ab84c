// Entry when running the CLI from source (npm run cdc -- ...); the published bin uses dist/cli.js.
import { main } from './cli.js';

process.exitCode = await main(process.argv.slice(2));
