import { signToken } from '@flotilla/gateway/attacks';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpAnswer, internalsIn, problemIssue, type RawRequest, send } from './support/http-answer.js';
import { type InputSystem, startInputSystem } from './support/input-system.js';
import { recordFigure } from './support/record-figure.js';
import {
  anyValue,
  encodedBody,
  encodeSegment,
  headerValue,
  type JsonSchema,
  nastyString,
  rawSegment,
  validValue,
} from './support/schema-arbitrary.js';
import { SERVICES } from './support/start-system.js';

/**
 * Every operation each service publishes in its OpenAPI document, and every public operation of the
 * gateway's aggregate document (plus the gateway's own endpoints), fuzzed from its schema with
 * fast-check. Every answer must be below 500, arrive within the hang guard, be problem+json when it
 * is an error, and show no internals.
 */
const RUNS = 150;
const HANG_GUARD_MS = 10_000;
// The same inputs on every run by default, so a red run is reproducible; FUZZ_SEED=<n> tries others,
// and a failure names the seed that replays it.
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_124);
const SERVICE_BODY_LIMIT = 1024 * 1024;
const GATEWAY_OWN_PATHS = [
  '/health/live',
  '/health/ready',
  '/health/started',
  '/metrics',
  '/openapi.json',
  '/docs',
];
const EXTRA_HEADERS = [
  'accept',
  'accept-encoding',
  'x-request-id',
  'x-forwarded-for',
  'x-auth-subject',
  'x-auth-claims',
  'traceparent',
  'range',
  'if-none-match',
  'expect',
  'origin',
  'cookie',
  'x-http-method-override',
];

interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required: boolean;
  readonly schema: JsonSchema;
}

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly parameters: readonly Parameter[];
  readonly body?: JsonSchema;
}

interface FuzzRequest extends RawRequest {
  /** Every string the request carried, so an echo in the answer is not taken for a leak. */
  readonly echoes: readonly string[];
}

let system: InputSystem;
const known = { userIds: [] as string[], orderIds: [] as string[] };
let ownerToken: string;
let strangerToken: string;
const tally = {
  operations: 0,
  requests: 0,
  serverErrors: 0,
  notProblems: 0,
  leaks: 0,
  hangs: 0,
  noAnswers: 0,
};

beforeAll(async () => {
  system = await startInputSystem(process.env.DATABASE_URL!);
  const users = system.services.users.url;
  const user = (await (
    await fetch(`${users}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Seed', email: 'seed@fuzz.example' }),
    })
  ).json()) as { id: string };
  const order = (await (
    await fetch(`${system.services.orders.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: user.id, items: [{ sku: 'SEED-1', quantity: 1, unitPrice: 100 }] }),
    })
  ).json()) as { id: string };
  known.userIds.push(user.id);
  known.orderIds.push(order.id);
  ownerToken = await signToken(system.tokens, user.id);
  strangerToken = await signToken(system.tokens, 'stranger');
}, 240_000);

afterAll(async () => {
  await system?.stop();
});

async function operationsAt(origin: string): Promise<Operation[]> {
  const document = (await (await fetch(`${origin}/openapi.json`)).json()) as {
    paths: Record<
      string,
      Record<
        string,
        { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema: JsonSchema }> } }
      >
    >;
  };
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      parameters: operation.parameters ?? [],
      ...(operation.requestBody?.content?.['application/json']
        ? { body: operation.requestBody.content['application/json'].schema }
        : {}),
    })),
  );
}

const text = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));
const isHeaderSafe = (value: string) => /^[\x20-\x7e]*$/.test(value);

/** Strings anywhere in a JSON text (iteratively: fuzzed bodies nest deep). */
function stringsIn(json: string): string[] {
  let stack: unknown[];
  try {
    stack = [JSON.parse(json)];
  } catch {
    return [];
  }
  const found: string[] = [];
  for (let value = stack.pop(); stack.length > 0 || value !== undefined; value = stack.pop()) {
    if (typeof value === 'string') found.push(value);
    else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        found.push(key);
        stack.push(item);
      }
    }
  }
  return found;
}

function requestFor(
  operation: Operation,
  hugeBytes: number,
  authorization?: fc.Arbitrary<string | undefined>,
) {
  const of = (where: Parameter['in']) => operation.parameters.filter((parameter) => parameter.in === where);
  const ids = [...known.userIds, ...known.orderIds];
  const pathParameters = fc.tuple(
    ...of('path').map((parameter) =>
      fc.oneof(
        {
          weight: 5,
          arbitrary: anyValue(parameter.schema).map((value) => ({
            raw: text(value),
            wire: encodeSegment(text(value)),
          })),
        },
        { weight: 1, arbitrary: rawSegment.map((raw) => ({ raw, wire: raw })) },
        { weight: 2, arbitrary: fc.constantFrom(...ids).map((raw) => ({ raw, wire: raw })) },
      ),
    ),
  );
  const queryParameters = fc.tuple(
    ...of('query').map((parameter) => {
      const value =
        parameter.name === 'userId'
          ? fc.oneof(anyValue(parameter.schema), fc.constantFrom(...known.userIds))
          : anyValue(parameter.schema);
      return fc.option(value, { nil: undefined, freq: parameter.required ? 10 : 2 });
    }),
  );
  const headerParameters = fc.tuple(
    ...of('header').map((parameter) =>
      fc.option(fc.oneof(validValue(parameter.schema).map(text).filter(isHeaderSafe), headerValue), {
        nil: undefined,
      }),
    ),
  );
  return fc
    .record({
      path: pathParameters,
      query: queryParameters,
      extraQuery: fc.dictionary(fc.string({ maxLength: 8 }), nastyString, { maxKeys: 2 }),
      repeatFirst: fc.boolean(),
      headers: headerParameters,
      extraHeaders: fc.dictionary(fc.constantFrom(...EXTRA_HEADERS), headerValue, { maxKeys: 3 }),
      body: operation.body
        ? encodedBody(operation.body, hugeBytes)
        : fc.option(encodedBody({}, hugeBytes), { nil: undefined, freq: 5 }),
      authorization: authorization ?? fc.constant(undefined),
    })
    .map((generated): FuzzRequest => {
      const echoes: string[] = [];
      let pathIndex = 0;
      const path = operation.path.replace(/\{[^}]+\}/g, () => {
        const value = generated.path[pathIndex++]!;
        echoes.push(value.raw, value.wire);
        return value.wire;
      });
      const pairs: [string, string][] = [];
      of('query').forEach((parameter, index) => {
        const value = generated.query[index];
        if (value === undefined) return;
        for (const item of Array.isArray(value) && generated.repeatFirst ? value : [value])
          pairs.push([parameter.name, text(item)]);
      });
      pairs.push(...Object.entries(generated.extraQuery));
      if (generated.repeatFirst && pairs[0]) pairs.push(pairs[0]);
      const query = pairs.map(([name, value]) => `${encodeSegment(name)}=${encodeSegment(value)}`).join('&');
      const headers: Record<string, string> = { ...generated.extraHeaders };
      of('header').forEach((parameter, index) => {
        const value = generated.headers[index];
        if (value !== undefined) headers[parameter.name] = value;
      });
      if (generated.authorization !== undefined) headers.authorization = generated.authorization;
      if (generated.body?.contentType !== undefined) headers['content-type'] = generated.body.contentType;
      for (const pair of pairs) echoes.push(...pair);
      echoes.push(...Object.values(headers));
      if (generated.body !== undefined) echoes.push(generated.body.text, ...stringsIn(generated.body.text));
      return {
        method: operation.method,
        path: query === '' ? path : `${path}?${query}`,
        headers,
        ...(generated.body === undefined ? {} : { body: generated.body.text }),
        echoes,
      };
    });
}

function check(answer: HttpAnswer | { failure: string }, echoes: readonly string[]): string | undefined {
  tally.requests++;
  if ('failure' in answer) {
    if (answer.failure === 'hang') tally.hangs++;
    else tally.noAnswers++;
    return answer.failure;
  }
  const issues: string[] = [];
  if (answer.status >= 500) {
    tally.serverErrors++;
    issues.push(`status ${answer.status}`);
  }
  const problem = problemIssue(answer);
  if (problem !== undefined) {
    tally.notProblems++;
    issues.push(`not a problem: ${problem}`);
  }
  const leak = internalsIn(answer, echoes);
  if (leak !== undefined) {
    tally.leaks++;
    issues.push(`shows ${leak}`);
  }
  return issues.length === 0
    ? undefined
    : `${answer.status} ${issues.join('; ')}: ${answer.text.slice(0, 300)}`;
}

/** Fuzzes each operation at `origin` for RUNS requests; returns the distinct violations found. */
async function fuzz(
  origin: string,
  operations: readonly Operation[],
  hugeBytes: number,
  authorizationFor: (operation: Operation) => fc.Arbitrary<string | undefined> | undefined = () => undefined,
): Promise<string[]> {
  const violations = new Map<string, string>();
  for (const operation of operations) {
    tally.operations++;
    await fc.assert(
      fc.asyncProperty(requestFor(operation, hugeBytes, authorizationFor(operation)), async (request) => {
        const issue = check(await send(origin, request, HANG_GUARD_MS), request.echoes);
        const where = `${operation.method} ${operation.path}`;
        const key = `${where} ${issue?.slice(0, 60)}`;
        if (issue !== undefined && !violations.has(key))
          violations.set(key, `${request.method} ${request.path.slice(0, 200)} → ${issue}`);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  }
  return [...violations.values()];
}

describe('every public route, fuzzed from its schema', () => {
  for (const name of SERVICES) {
    it(`${name}: no 5xx, no hang, every error problem+json, no internals`, async () => {
      const origin = system.services[name].url;
      const operations = await operationsAt(origin);
      expect(operations.length).toBeGreaterThan(1);
      expect(await fuzz(origin, operations, SERVICE_BODY_LIMIT + 1024), `seed ${SEED}`).toEqual([]);
    });
  }

  it('the gateway: its aggregate document and its own endpoints, likewise', async () => {
    const origin = system.gateway.url;
    const routed = await operationsAt(origin);
    expect(routed.map((operation) => operation.path)).toContain('/api/orders/{id}');
    const own = GATEWAY_OWN_PATHS.map((path) => ({ method: 'GET', path, parameters: [] }));
    const authorization = fc.oneof(
      { weight: 4, arbitrary: fc.constant(`Bearer ${ownerToken}`) },
      { weight: 1, arbitrary: fc.constant(`Bearer ${strangerToken}`) },
      { weight: 1, arbitrary: fc.constantFrom(undefined, 'Bearer x.y.z', 'Basic Zm9vOmJhcg==', 'Bearer ') },
    );
    const violations = await fuzz(origin, [...routed, ...own], system.limits.bodyBytes + 1024, (operation) =>
      operation.path.startsWith('/api/orders') ? authorization : undefined,
    );
    expect(violations, `seed ${SEED}`).toEqual([]);
  });

  it('records the figure', () => {
    recordFigure(import.meta.url, {
      id: '8-fuzz-routes',
      title: 'Every public route fuzzed from its OpenAPI schema (fast-check)',
      result: `${tally.operations} operations × ${RUNS} runs (${tally.requests} requests): ${tally.serverErrors} 5xx, ${tally.notProblems} non-problem errors, ${tally.leaks} leaks, ${tally.hangs} hangs`,
      measurements: { ...tally, runsPerOperation: RUNS },
    });
    expect(tally.serverErrors + tally.notProblems + tally.leaks + tally.hangs + tally.noAnswers).toBe(0);
  });
});
