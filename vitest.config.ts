import { defineConfig } from 'vitest/config';

// One project for the whole workspace: packages resolve to their TypeScript sources through the `source`
// export condition, so tests need no build.
export default defineConfig({
  resolve: { conditions: ['source', 'node', 'default'] },
  ssr: { resolve: { conditions: ['source', 'node', 'default'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'connectors/*/test/**/*.test.ts', 'tools/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: { CDC_SOURCE_CONDITION: '1' },
    pool: 'forks',
  },
});
