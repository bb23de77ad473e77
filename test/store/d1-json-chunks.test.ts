import { describe, expect, it } from 'vitest';
import { jsonChunks } from '../../src/store/sql/json-chunks.ts';

describe('jsonChunks', () => {
  it('keeps every row, in order, each chunk under the byte bound (counting UTF-8)', () => {
    const rows = Array.from({ length: 50 }, (_, i) => [i, 'é🚀'.repeat(i % 7), null]);
    const chunks = jsonChunks(rows, 120);
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.flatMap((c) => JSON.parse(c.json) as unknown[])).toEqual(rows);
    for (const c of chunks) {
      expect(new TextEncoder().encode(c.json).length).toBeLessThanOrEqual(120);
      expect((JSON.parse(c.json) as unknown[]).length).toBe(c.rows);
    }
  });

  it('gives a row larger than the bound a chunk of its own, and nothing for no rows', () => {
    expect(jsonChunks(['x'.repeat(200), 'y'], 50).map((c) => c.rows)).toEqual([1, 1]);
    expect(jsonChunks([], 50)).toEqual([]);
  });
});
