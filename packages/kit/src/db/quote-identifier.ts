/** Double-quotes an identifier so names are case-sensitive and cannot inject SQL. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
