/**
 * Split a migration file into single statements, comments dropped. D1 cannot take the file
 * whole: `exec()` cuts at line ends (a trigger's BEGIN … END body breaks it) and `batch()` takes
 * one statement per entry. A `;` ends a statement unless it is inside a string, a quoted name, a
 * comment, or the body of a CREATE TRIGGER (BEGIN … END, with any CASE … END inside).
 */
export function splitSql(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let blockDepth = 0;
  let caseDepth = 0;
  let i = 0;
  const push = () => {
    const s = current.trim();
    if (s !== '') statements.push(s);
    current = '';
    blockDepth = 0;
    caseDepth = 0;
  };
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
      current += ' ';
      continue;
    }
    if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) throw new SyntaxError('splitSql: unterminated /* comment');
      i = end + 2;
      current += ' ';
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`' || ch === '[') {
      const close = ch === '[' ? ']' : ch;
      let j = i + 1;
      for (;;) {
        const k = sql.indexOf(close, j);
        if (k === -1) throw new SyntaxError(`splitSql: unterminated ${ch} quote`);
        // A doubled quote is an escaped quote, not the end ([…] has no escape).
        if (close !== ']' && sql[k + 1] === close) {
          j = k + 2;
          continue;
        }
        j = k + 1;
        break;
      }
      current += sql.slice(i, j);
      i = j;
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i, i + 64))!;
      const word = m[0].toUpperCase();
      if (word === 'BEGIN' && /^\s*CREATE\s+(TEMP\s+|TEMPORARY\s+)?TRIGGER\b/i.test(current)) blockDepth++;
      else if (word === 'CASE' && blockDepth > 0) caseDepth++;
      else if (word === 'END' && caseDepth > 0) caseDepth--;
      else if (word === 'END' && blockDepth > 0) blockDepth--;
      current += m[0];
      i += m[0].length;
      continue;
    }
    if (ch === ';' && blockDepth === 0) {
      push();
      i++;
      continue;
    }
    current += ch;
    i++;
  }
  push();
  return statements;
}
