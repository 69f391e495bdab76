/**
 * The JavaScript file a Dockerfile's CMD runs with node: `CMD ["node", "<file>"]`, or the
 * `SERVICE_ENTRY` its ENV sets for a `sh -c 'exec node "$SERVICE_ENTRY"'` CMD; `${NAME}` build
 * arguments are filled from `buildArgs`.
 */
export function dockerEntry(
  dockerfile: string,
  buildArgs: Readonly<Record<string, string>> = {},
): string | undefined {
  const direct = /^CMD \["node", "([^"]+)"\]$/m.exec(dockerfile)?.[1];
  const viaEnv = /\$SERVICE_ENTRY/.test(/^CMD .*$/m.exec(dockerfile)?.[0] ?? '')
    ? /^ENV .*\bSERVICE_ENTRY=(\S+)/m.exec(dockerfile)?.[1]
    : undefined;
  return (direct ?? viaEnv)?.replace(/\$\{(\w+)\}/g, (_, name: string) => buildArgs[name] ?? `\${${name}}`);
}
