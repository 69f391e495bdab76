import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ErrorCode, errorCatalogue, problemType } from './index.js';

describe('docs/errors.md', () => {
  it('lists every code of the catalogue exactly as the catalogue has it', () => {
    const docs = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');
    const rows = docs
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
    const expected = (Object.keys(errorCatalogue) as ErrorCode[]).map((code) => {
      const { status, title, retryable } = errorCatalogue[code];
      return [`\`${code}\``, String(status), title, retryable ? 'yes' : 'no', `\`${problemType(code)}\``];
    });
    expect(rows).toEqual(expected);
  });
});
