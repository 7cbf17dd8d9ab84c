import { createRequire } from 'node:module';

// src/ and dist/ are both one level below package.json
const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

/** The version of @cdc/core that is running. Connectors declare the core range they work with. */
export const CORE_VERSION: string = pkg.version;
