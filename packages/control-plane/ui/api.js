/** GET or POST JSON; a problem+json answer becomes an Error carrying the problem's words. */
export async function api(path, init = {}) {
  const response = await fetch(path, { ...init, headers: { accept: 'application/json', ...init.headers } });
  const text = await response.text();
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const problem = body ?? {};
    const message = [problem.title ?? `HTTP ${response.status}`, problem.detail].filter(Boolean).join(': ');
    throw Object.assign(new Error(message), { status: response.status, problem });
  }
  return body;
}
