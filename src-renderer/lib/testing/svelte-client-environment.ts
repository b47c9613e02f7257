import type { Environment } from 'vitest/environments';
export default { name: 'svelte-client', viteEnvironment: 'client', setup: () => ({ teardown: () => {} }) } satisfies Environment;
