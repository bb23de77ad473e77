import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots of the main pages, kept as test artifacts (git-ignored). */
export const SCREENSHOTS = new URL('../screenshots/', import.meta.url).pathname;

/** The flags headless Chromium needs on a CI machine without a GPU, a sandbox or a network to phone home. */
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface Browser {
  /** a fresh profile: its own cookies, as another person at another machine */
  person(): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** Debian's Chromium (`.ci/run` installs it), driven by playwright-core, one fresh user-data-dir per person. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  const contexts: { ctx: BrowserContext; dir: string }[] = [];
  return {
    async person() {
      const dir = mkdtempSync(join(tmpdir(), 'tollgate-chromium-'));
      const ctx = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 900 } });
      contexts.push({ ctx, dir });
      return ctx;
    },
    async close() {
      for (const { ctx, dir } of contexts) {
        await ctx.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
