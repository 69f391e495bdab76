/**
 * Whether an event type matches a subscription pattern: segments split on `.`, `*` matches one
 * segment and a final `>` matches one or more (NATS subject semantics, which map one-to-one onto
 * RabbitMQ topic bindings with `#`).
 */
export function matchesType(pattern: string, type: string): boolean {
  const wanted = pattern.split('.');
  const actual = type.split('.');
  for (let index = 0; index < wanted.length; index++) {
    const segment = wanted[index];
    if (segment === '>') return index === wanted.length - 1 && actual.length > index;
    if (index >= actual.length) return false;
    if (segment !== '*' && segment !== actual[index]) return false;
  }
  return wanted.length === actual.length;
}

const PATTERN = /^([a-z0-9_-]+|\*)(\.([a-z0-9_-]+|\*))*(\.>)?$|^>$/;

export function assertTypePattern(pattern: string): void {
  if (!PATTERN.test(pattern)) {
    throw new Error(
      `event pattern "${pattern}" must be dotted lower-case words, with * for one segment or a final > for the rest`,
    );
  }
}

/** Whether an event comes from publisher `from` with a type one of `patterns` matches. */
export function matchesSubscription(
  from: string,
  patterns: readonly string[],
  event: { readonly source: string; readonly type: string },
): boolean {
  return event.source === `/${from}` && patterns.some((pattern) => matchesType(pattern, event.type));
}
