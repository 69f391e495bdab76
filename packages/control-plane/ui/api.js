// @ts-check

/**
 * GET or POST JSON (`body` is sent as JSON); a problem+json answer becomes an Error carrying the
 * problem's words. `T` is what the caller expects the endpoint to answer.
 * @template T
 * @param {string} path
 * @param {{ method?: string, body?: unknown }} [init]
 * @returns {Promise<T>}
 */
export async function api(path, init = {}) {
  const { body: payload, ...rest } = init;
  const response = await fetch(
    path,
    payload === undefined
      ? { ...rest, headers: { accept: 'application/json' } }
      : {
          ...rest,
          headers: { accept: 'application/json', 'content-type': 'application/json' },
          body: JSON.stringify(payload),
        },
  );
  const text = await response.text();
  /** @type {unknown} */
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const problem = /** @type {{ title?: string, detail?: string }} */ (body ?? {});
    const message = [problem.title ?? `HTTP ${response.status}`, problem.detail].filter(Boolean).join(': ');
    throw Object.assign(new Error(message), { status: response.status, problem });
  }
  return /** @type {T} */ (body);
}

/**
 * What to show of a failure.
 * @param {unknown} error
 */
export function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}
