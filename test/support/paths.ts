/** The repository root and the CLI's entry point, as the tests run them. */
export const ROOT = new URL('../../', import.meta.url).pathname;
export const CLI = new URL('../../src/node/cli.ts', import.meta.url).pathname;
