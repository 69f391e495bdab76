import { randomBytes } from 'node:crypto';
import { jwtAttacks, pathAttacks, rawRequest, signToken, smugglingAttacks } from '@flotilla/gateway/attacks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { internalsIn, problemIssue } from './support/http-answer.js';
import { type InputSystem, startInputSystem } from './support/input-system.js';
import { recordFigure } from './support/record-figure.js';

/**
 * Attacks on a spawned gateway in front of spawned services, written byte by byte over node:net
 * where an HTTP client would normalise them. Every attack must be refused as docs/gateway.md says.
 */
let system: InputSystem;
let port: number;
const marker = randomBytes(6).toString('hex');
const alice = { id: '', token: '', orderId: '' };
const bob = { id: '', token: '', orderId: '' };
const tally = { attacks: 0, refused: 0 };

interface RawAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Status lines in everything the connection carried: more than one means a second request got through. */
  readonly answers: number;
}

/** Reads what `rawRequest` returned: the first answer's status, headers and (content-length) body. */
function parse(raw: string): RawAnswer {
  const [head = '', ...rest] = raw.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = rest.join('\r\n\r\n');
  const length = Number(headers['content-length'] ?? body.length);
  return {
    status: Number(statusLine.slice(9, 12)),
    headers,
    body: Buffer.from(body, 'latin1').subarray(0, length).toString('utf8'),
    answers: raw.match(/HTTP\/1\.1 \d{3} /g)?.length ?? 0,
  };
}

function get(path: string, headers: Record<string, string> = {}): string {
  const fields = Object.entries({ host: 'gw', connection: 'close', ...headers })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return `GET ${path} HTTP/1.1\r\n${fields}\r\n`;
}

/** Counts an attack, runs its checks, and counts it refused only when every check held. */
async function attack(check: () => Promise<void>): Promise<void> {
  tally.attacks++;
  await check();
  tally.refused++;
}

/** A documented refusal: `status`, problem+json with type/title/status, no internals. */
function expectRefused(answer: RawAnswer, status: number): void {
  expect(answer.status).toBe(status);
  expect(problemIssue({ status: answer.status, headers: answer.headers, text: answer.body })).toBeUndefined();
  expect(
    internalsIn({ status: answer.status, headers: answer.headers, text: answer.body }, []),
  ).toBeUndefined();
}

async function createUser(name: string): Promise<string> {
  const response = await fetch(`${system.services.users.url}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, email: `${name.toLowerCase()}-${marker}@attacks.example` }),
  });
  return ((await response.json()) as { id: string }).id;
}

async function placeOrder(token: string, userId: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${system.gateway.url}/api/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify({ userId, items: [{ sku: 'ATTACK-1', quantity: 1, unitPrice: 100 }] }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as { id: string },
  };
}

beforeAll(async () => {
  system = await startInputSystem(process.env.DATABASE_URL!);
  port = Number(new URL(system.gateway.url).port);
  for (const [user, name] of [
    [alice, 'Alice'],
    [bob, 'Bob'],
  ] as const) {
    user.id = await createUser(name);
    user.token = await signToken(system.tokens, user.id);
    user.orderId = (await placeOrder(user.token, user.id)).body.id;
  }
}, 240_000);
afterAll(() => system?.stop());

describe('request smuggling', () => {
  const body = JSON.stringify({ name: 'Smuggled', email: `smuggled-${marker}@attacks.example` });
  const hidden = `POST /api/users HTTP/1.1\r\nhost: gw\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  for (const [name, raw] of smugglingAttacks('/api/users', hidden)) {
    it(`refuses ${name} with one 400 and closes`, () =>
      attack(async () => {
        const answer = parse(await rawRequest(port, raw));
        expectRefused(answer, 400);
        expect(answer.answers).toBe(1);
      }));
  }

  it('let no hidden request through to users', async () => {
    const users = (await (await fetch(`${system.services.users.url}/users?limit=100`)).json()) as {
      email: string;
    }[];
    expect(users.filter((user) => user.email.startsWith('smuggled-'))).toEqual([]);
  });
});

describe('oversized and slow requests', () => {
  it('answers 431 to a head above MAX_HEADER_SIZE', () =>
    attack(async () => {
      const big = 'a'.repeat(system.limits.headerBytes + 1_024);
      expectRefused(parse(await rawRequest(port, get('/api/users', { 'x-big': big }))), 431);
    }));

  it('answers 431 to many small headers adding up above it', () =>
    attack(async () => {
      const many = Object.fromEntries(
        Array.from({ length: 400 }, (_, index) => [`x-h${index}`, 'v'.repeat(30)]),
      );
      expectRefused(parse(await rawRequest(port, get('/api/users', many))), 431);
    }));

  it('answers 413 at once to a Content-Length above BODY_LIMIT', () =>
    attack(async () => {
      const raw = `POST /api/users HTTP/1.1\r\nhost: gw\r\ncontent-type: application/json\r\ncontent-length: ${system.limits.bodyBytes + 1}\r\n\r\n{"name":`;
      expectRefused(parse(await rawRequest(port, raw)), 413);
    }));

  it('answers 413 to a chunked body once it passes BODY_LIMIT', () =>
    attack(async () => {
      const chunk = 'x'.repeat(8 * 1024);
      const chunks = Array.from(
        { length: Math.ceil(system.limits.bodyBytes / chunk.length) + 1 },
        () => `2000\r\n${chunk}\r\n`,
      ).join('');
      const raw = `POST /api/users HTTP/1.1\r\nhost: gw\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n${chunks}0\r\n\r\n`;
      expectRefused(parse(await rawRequest(port, raw, 5_000)), 413);
    }));

  it('closes a slowloris connection whose head never ends with 408', () =>
    attack(async () => {
      const raw = 'GET /api/users HTTP/1.1\r\nhost: gw\r\nx-slow: ';
      expectRefused(parse(await rawRequest(port, raw, system.limits.headersTimeoutMs + 4_000)), 408);
    }));
});

describe('hop-by-hop abuse', () => {
  for (const listed of ['x-auth-subject', 'x-auth-claims, x-auth-subject', 'authorization']) {
    it(`keeps the gateway-set identity when the client lists "Connection: ${listed}"`, () =>
      attack(async () => {
        // Were the verified subject stripped, orders would see no end user and serve Bob's order.
        const answer = parse(
          await rawRequest(
            port,
            get(`/api/orders/${bob.orderId}`, {
              authorization: `Bearer ${alice.token}`,
              connection: `close, ${listed}`,
            }),
          ),
        );
        expectRefused(answer, 404);
      }));
  }

  it('replaces a forged x-auth-subject with the verified one', () =>
    attack(async () => {
      const answer = parse(
        await rawRequest(
          port,
          get(`/api/orders/${bob.orderId}`, {
            authorization: `Bearer ${alice.token}`,
            'x-auth-subject': bob.id,
          }),
        ),
      );
      expectRefused(answer, 404);
    }));

  it('strips a header the client names in Connection before it reaches the service', () =>
    attack(async () => {
      const key = `key-${marker}`;
      // Control: the same key, not listed, makes the second request a replay of the first.
      const first = await placeOrder(alice.token, alice.id, { 'idempotency-key': key });
      expect(
        (await placeOrder(alice.token, alice.id, { 'idempotency-key': key })).headers.get(
          'idempotent-replayed',
        ),
      ).toBe('true');
      const body = JSON.stringify({
        userId: alice.id,
        items: [{ sku: 'ATTACK-1', quantity: 1, unitPrice: 100 }],
      });
      const raw = `POST /api/orders HTTP/1.1\r\nhost: gw\r\nauthorization: Bearer ${alice.token}\r\nconnection: close, idempotency-key\r\nidempotency-key: ${key}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
      const stripped = parse(await rawRequest(port, raw));
      expect(stripped.status).toBe(201);
      expect(stripped.headers['idempotent-replayed']).toBeUndefined();
      expect(JSON.parse(stripped.body).id).not.toBe(first.body.id);
    }));
});

describe('path confusion', () => {
  const targets = [
    ...pathAttacks('/api/users'),
    ...pathAttacks('/api/orders'),
    // A public prefix walked back into a protected one would skip authentication.
    '/api/users/../orders/1',
    '/api/users/%2e%2e/orders/1',
    '/api/users/..%2forders/1',
  ];
  for (const target of new Set(targets)) {
    it(`refuses ${JSON.stringify(target)} with 400`, () =>
      attack(async () => {
        expectRefused(parse(await rawRequest(port, get(target))), 400);
      }));
  }
});

describe('JWT attacks on a protected route', () => {
  it('serves the owner with a valid token (control)', async () => {
    const response = await fetch(`${system.gateway.url}/api/orders/${alice.orderId}`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(response.status).toBe(200);
  });

  it('refuses every forged, expired or misdirected token with a 401 problem', async () => {
    for (const [name, make] of jwtAttacks(system.tokens, alice.id)) {
      await attack(async () => {
        const authorization = await make();
        const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
        const answer = parse(await rawRequest(port, get(`/api/orders/${alice.orderId}`, headers)));
        expect(answer.status, name).toBe(401);
        expectRefused(answer, 401);
        expect(answer.headers['www-authenticate'], name).toBe('Bearer');
      });
    }
  });
});

describe('CORS', () => {
  it('echoes the allowed origin, with credentials (control)', async () => {
    const answer = parse(await rawRequest(port, get('/api/users', { origin: system.allowedOrigin })));
    expect(answer.headers['access-control-allow-origin']).toBe(system.allowedOrigin);
    expect(answer.headers['access-control-allow-credentials']).toBe('true');
  });

  const origins = (allowed: string) => [
    'https://evil.example',
    'null',
    `${allowed}.evil.example`,
    allowed.replace('https://', 'https://evil.'),
    allowed.replace('https://', 'http://'),
    `${allowed}:443`,
    `${allowed}/`,
  ];
  for (const [index, label] of origins('https://app').entries()) {
    it(`reflects no origin and no credentials for ${label.replace('https://app', '<allowed>')}`, () =>
      attack(async () => {
        const origin = origins(system.allowedOrigin)[index]!;
        for (const raw of [
          get('/api/users', { origin }),
          `OPTIONS /api/users HTTP/1.1\r\nhost: gw\r\nconnection: close\r\norigin: ${origin}\r\naccess-control-request-method: DELETE\r\n\r\n`,
        ]) {
          const answer = parse(await rawRequest(port, raw));
          expect(answer.headers['access-control-allow-origin']).toBeUndefined();
          expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
          expect(answer.headers['access-control-allow-methods']).toBeUndefined();
        }
      }));
  }
});

describe('object-level authorization', () => {
  it('serves Alice her own order and list (control)', async () => {
    const own = await fetch(`${system.gateway.url}/api/orders?userId=${alice.id}`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(own.status).toBe(200);
    expect(((await own.json()) as { id: string }[]).map((order) => order.id)).toContain(alice.orderId);
  });

  it("answers Alice's read of Bob's order exactly like a missing order (404)", () =>
    attack(async () => {
      const auth = { authorization: `Bearer ${alice.token}` };
      const stolen = parse(await rawRequest(port, get(`/api/orders/${bob.orderId}`, auth)));
      const missing = parse(await rawRequest(port, get('/api/orders/no-such-order', auth)));
      expectRefused(stolen, 404);
      const shape = (answer: RawAnswer, id: string) => {
        const {
          traceId: _trace,
          instance: _instance,
          ...rest
        } = JSON.parse(answer.body) as Record<string, string>;
        return { ...rest, detail: rest.detail?.replace(id, '<id>') };
      };
      expect(shape(stolen, bob.orderId)).toEqual(shape(missing, 'no-such-order'));
    }));

  it("refuses Alice listing Bob's orders (403)", () =>
    attack(async () => {
      expectRefused(
        parse(
          await rawRequest(
            port,
            get(`/api/orders?userId=${bob.id}`, { authorization: `Bearer ${alice.token}` }),
          ),
        ),
        403,
      );
    }));

  it('refuses Alice placing an order in Bob’s name (403)', () =>
    attack(async () => {
      const placed = await placeOrder(alice.token, bob.id);
      expect(placed.status).toBe(403);
    }));
});

describe('the figure', () => {
  it('records it', () => {
    recordFigure(import.meta.url, {
      id: '9-gateway-attacks',
      title: 'Attacks on a spawned gateway in front of spawned services (raw sockets)',
      result: `${tally.refused} of ${tally.attacks} attacks refused as documented (smuggling, 431/413, slowloris, hop-by-hop, path confusion, JWT, CORS, object-level authorization)`,
      measurements: tally,
    });
    expect(tally.refused).toBe(tally.attacks);
  });
});
