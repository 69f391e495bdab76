import { type IncomingHttpHeaders, request } from 'node:http';
import { repositoryRoot } from '../../support/spawn-service.js';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

export interface RawRequest {
  readonly method: string;
  /** Sent exactly as given: no dot-segment removal or re-encoding, unlike fetch. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/**
 * One request on a connection of its own over node:http, which leaves the path alone. Resolves
 * with the answer, or with the reason there was none: `hang` when nothing complete came back
 * within `hangGuardMs`. A server may answer (413, say) before the body is all sent and close: the
 * answer counts even when writing the rest then fails.
 *
 * The request asks for keep-alive, as real clients do; the connection is still closed after the
 * answer. With `Connection: close` a server that answers before reading a body it has no use for
 * (a GET's) closes at once with that body unread, which resets the connection (RFC 9112 §9.6);
 * node:http's client, when a write of the rest meets the reset before it has read the answer,
 * loses the answer (`write EPIPE`: the server's FIN had come). Under keep-alive the server reads
 * the rest.
 */
export function send(
  origin: string,
  raw: RawRequest,
  hangGuardMs: number,
): Promise<HttpAnswer | { readonly failure: string }> {
  return new Promise((resolve) => {
    let answered = false;
    const url = new URL(origin);
    const outgoing = request(
      {
        host: url.hostname,
        port: url.port,
        method: raw.method,
        path: raw.path,
        headers: { connection: 'keep-alive', ...raw.headers },
        agent: false,
        signal: AbortSignal.timeout(hangGuardMs),
      },
      (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', (error) => resolve({ failure: failureOf(error) }));
      },
    );
    outgoing.on('error', (error) => {
      if (!answered) resolve({ failure: failureOf(error) });
    });
    outgoing.end(raw.body);
  });
}

function failureOf(error: Error): string {
  return error.name === 'AbortError' || error.name === 'TimeoutError'
    ? 'hang'
    : `no answer (${error.message})`;
}

/**
 * What a client must never see: stack frames, file paths, package folders, SQL or driver messages,
 * error class names and Node/Fastify/undici error codes.
 */
const INTERNALS: readonly [string, RegExp][] = [
  ['a stack frame', /\bat [^\s()]+ \(?[^\s()]*:\d+:\d+\)?/],
  ['a stack frame', /\n\s+at /],
  ['the repository path', new RegExp(repositoryRoot.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))],
  ['a file path', /(?:file:\/\/|\/(?:home|work|usr|opt|srv|app)\/[\w.-]+\/)/],
  ['node_modules', /node_modules/],
  ['SQL', /\b(?:select|insert|update|delete)\b[^"]{0,80}\b(?:from|into|set|where)\b/i],
  [
    'a database message',
    /syntax error at or near|violates .* constraint|duplicate key|relation "|column "|SQLSTATE|invalid input syntax|invalid byte sequence|\bpg_/i,
  ],
  ['an error class name', /\b[A-Z]\w*Error\b|\bError:/],
  [
    'an internal error code',
    /\bFST_[A-Z_]+|\bERR_[A-Z_]+|\bUND_ERR|\bE(?:CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|NOTFOUND)\b/,
  ],
];

/** Removes what the request itself carried, so an echoed input is not taken for a leak. */
function withoutEchoes(text: string, echoes: readonly string[]): string {
  let out = text;
  for (const echo of echoes) {
    if (echo.length < 3) continue;
    for (const form of [echo, JSON.stringify(echo).slice(1, -1)]) out = out.split(form).join('');
  }
  return out;
}

/** The first internal detail an answer shows (headers always; the body of an error), or undefined. */
export function internalsIn(answer: HttpAnswer, echoes: readonly string[]): string | undefined {
  const headers = Object.entries(answer.headers)
    .map(([name, value]) => `${name}: ${String(value)}`)
    .join('\n');
  // A 2xx body is serialised through the route's response schema: only declared fields get out.
  const visible = answer.status >= 400 ? `${headers}\n${answer.text}` : headers;
  const text = withoutEchoes(visible, echoes);
  for (const [what, pattern] of INTERNALS) {
    const match = pattern.exec(text);
    if (match) return `${what}: "${match[0]}"`;
  }
  return undefined;
}

/** Why an error answer is not RFC 9457 problem+json with type, title and the same status, or undefined. */
export function problemIssue(answer: HttpAnswer): string | undefined {
  if (answer.status < 400) return undefined;
  const type = String(answer.headers['content-type'] ?? '');
  if (!type.startsWith('application/problem+json')) return `content-type "${type}"`;
  let problem: Record<string, unknown>;
  try {
    problem = JSON.parse(answer.text) as Record<string, unknown>;
  } catch {
    return 'a body that is not JSON';
  }
  if (typeof problem.type !== 'string' || typeof problem.title !== 'string') return 'no type or title';
  if (problem.status !== answer.status) return `status ${String(problem.status)} in the body`;
  return undefined;
}
