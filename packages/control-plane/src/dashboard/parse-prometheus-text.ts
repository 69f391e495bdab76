/** One sample line of the Prometheus text exposition format. */
export interface PrometheusSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/**
 * Reads the samples of a Prometheus text exposition (version 0.0.4). Own code because the one npm
 * parser for it (`parse-prometheus-text-format`) is unmaintained since 2018; the dashboard needs only
 * names, labels and values, so comments, HELP/TYPE lines and timestamps are skipped. A malformed line
 * is ignored rather than failing the scrape: one bad metric must not hide the others.
 */
export function parsePrometheusText(text: string): PrometheusSample[] {
  const samples: PrometheusSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseLine(line);
    if (sample) samples.push(sample);
  }
  return samples;
}

function parseLine(line: string): PrometheusSample | undefined {
  const name = NAME.exec(line)?.[0];
  if (!name) return undefined;
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    const parsed = parseLabels(rest.slice(1), labels);
    if (parsed === undefined) return undefined;
    rest = parsed;
  }
  const valueText = rest.trim().split(/\s+/)[0];
  if (valueText === undefined || valueText === '') return undefined;
  const value = parseValue(valueText);
  return value === undefined ? undefined : { name, labels, value };
}

/** Fills `labels` from `a="1",b="2"}…` and returns what follows the `}`. */
function parseLabels(text: string, labels: Record<string, string>): string | undefined {
  let rest = text.trimStart();
  while (!rest.startsWith('}')) {
    const labelName = LABEL_NAME.exec(rest)?.[0];
    if (!labelName) return undefined;
    rest = rest.slice(labelName.length).trimStart();
    if (!rest.startsWith('="')) return undefined;
    rest = rest.slice(2);
    let value = '';
    let index = 0;
    for (; index < rest.length && rest[index] !== '"'; index++) {
      const char = rest[index];
      if (char === '\\' && index + 1 < rest.length) {
        const next = rest[++index];
        value += next === 'n' ? '\n' : next;
      } else {
        value += char;
      }
    }
    if (index >= rest.length) return undefined;
    labels[labelName] = value;
    rest = rest.slice(index + 1).trimStart();
    if (rest.startsWith(',')) rest = rest.slice(1).trimStart();
  }
  return rest.slice(1);
}

function parseValue(text: string): number | undefined {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  const value = Number(text);
  return Number.isNaN(value) ? undefined : value;
}
