import type { TSchema } from '@sinclair/typebox';
import type { TypeCheck } from '@sinclair/typebox/compiler';

/** The first few schema violations as one line, or undefined when the value is valid. */
export function schemaErrors(check: TypeCheck<TSchema>, value: unknown): string | undefined {
  if (check.Check(value)) return undefined;
  const messages: string[] = [];
  for (const error of check.Errors(value)) {
    messages.push(`${error.path || '/'}: ${error.message}`);
    if (messages.length === 5) break;
  }
  return messages.join('; ');
}
