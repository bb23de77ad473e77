import { readFileSync } from 'node:fs';
import { readD1Migrations } from '@cloudflare/vitest-plugin';
import { describe, expect, it } from 'vitest';
import { BUNDLE_PATH, renderMigrationsBundle } from '../../scripts/bundle-d1-migrations.ts';
import { MIGRATIONS } from '../../src/store/d1/migrations.generated.ts';
import { splitSql } from '../../src/store/d1/split-sql.ts';
import { loadMigrations } from '../../src/store/sqlite/migrate.ts';

describe('the D1 migration bundle', () => {
  it('matches the .sql files (run `node scripts/bundle-d1-migrations.ts` after adding one)', () => {
    expect(readFileSync(BUNDLE_PATH, 'utf8')).toBe(renderMigrationsBundle());
    expect(MIGRATIONS).toEqual(loadMigrations());
  });

  // Wrangler's own splitter (what `wrangler d1 migrations apply` would send) as a second opinion.
  it('splits every migration into the statements Wrangler would send', async () => {
    const dir = new URL('../../src/store/sqlite/migrations/', import.meta.url).pathname;
    const theirs = await readD1Migrations(dir);
    const squash = (s: string) => s.replace(/--[^\n]*/g, ' ').replace(/\s+/g, ' ').trim().replace(/;$/, '').trim();
    expect(theirs.map((m) => m.name)).toEqual(MIGRATIONS.map((m) => m.name));
    for (const [i, m] of MIGRATIONS.entries()) {
      expect(splitSql(m.sql).map(squash), m.name).toEqual(theirs[i]!.queries.map(squash).filter((q) => q !== ''));
    }
  });
});

describe('splitSql', () => {
  it.each([
    ['plain statements', 'CREATE TABLE a (x);\nCREATE TABLE b (y);', ['CREATE TABLE a (x)', 'CREATE TABLE b (y)']],
    ['no trailing semicolon', 'SELECT 1', ['SELECT 1']],
    ['comments dropped, comment-only tail ignored', '-- a; b\nSELECT 1; /* c; */ SELECT 2;\n-- end', ['SELECT 1', 'SELECT 2']],
    ['semicolons inside strings and quoted names', `INSERT INTO t VALUES ('a;''b'); SELECT "x;y", [p;q], \`r;s\`;`, [`INSERT INTO t VALUES ('a;''b')`, 'SELECT "x;y", [p;q], `r;s`']],
    ['a trigger body', 'CREATE TRIGGER t BEFORE DELETE ON x BEGIN SELECT 1; SELECT 2; END; SELECT 3;', ['CREATE TRIGGER t BEFORE DELETE ON x BEGIN SELECT 1; SELECT 2; END', 'SELECT 3']],
    [
      'CASE … END inside a trigger body',
      'CREATE TEMP TRIGGER t AFTER INSERT ON x BEGIN SELECT CASE WHEN new.a THEN 1 END; END; SELECT 4',
      ['CREATE TEMP TRIGGER t AFTER INSERT ON x BEGIN SELECT CASE WHEN new.a THEN 1 END; END', 'SELECT 4'],
    ],
    ['keywords as parts of names', 'CREATE TABLE begin_end (backend TEXT); SELECT 1', ['CREATE TABLE begin_end (backend TEXT)', 'SELECT 1']],
  ])('%s', (_, sql, expected) => {
    expect(splitSql(sql)).toEqual(expected);
  });

  it('refuses an unterminated string or comment rather than guessing', () => {
    expect(() => splitSql("SELECT 'x")).toThrow(SyntaxError);
    expect(() => splitSql('SELECT 1 /* x')).toThrow(SyntaxError);
  });
});
