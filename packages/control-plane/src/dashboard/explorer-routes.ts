import { FlotillaError } from '@flotilla/kit/errors';
import type { HttpServer } from '@flotilla/kit/http';
import { Type } from '@sinclair/typebox';
import type { ServiceView } from './dashboard-options.js';
import { gatewayUrl } from './gateway-url.js';
import { EXPLORER_METHODS, type SendOptions, sendThroughGateway } from './send-through-gateway.js';

export interface ExplorerRoutesOptions extends SendOptions {
  listServices(): Promise<readonly ServiceView[]>;
  readonly gatewayName: string;
  /** The gateway to send to; found in the registry when undefined. */
  readonly gatewayUrl: string | undefined;
}

const SendBody = Type.Object(
  {
    method: Type.Union(EXPLORER_METHODS.map((method) => Type.Literal(method))),
    path: Type.String({ pattern: '^/', maxLength: 8192 }),
    headers: Type.Optional(
      Type.Record(
        Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" }),
        Type.String({ maxLength: 8192 }),
      ),
    ),
    body: Type.Optional(Type.String({ maxLength: 1024 * 1024 })),
  },
  { additionalProperties: false },
);

/**
 * The API explorer's server side: the gateway's aggregated OpenAPI document, and any request sent
 * through the gateway with its answer relayed. The page asks the control plane rather than the
 * gateway itself: the page's own origin is all its Content-Security-Policy allows, and the gateway's
 * CORS allowlist stays what the system's real clients need.
 */
export function registerExplorerRoutes(app: HttpServer, options: ExplorerRoutesOptions): void {
  const gateway = async () =>
    gatewayUrl(await options.listServices(), options.gatewayName, options.gatewayUrl);

  app.get('/api/explorer/openapi', { schema: { hide: true } }, async (_request, reply) => {
    const base = await gateway();
    const answer = await sendThroughGateway(
      base,
      { method: 'GET', path: '/openapi.json', headers: { accept: 'application/json' } },
      options,
    );
    if (answer.status !== 200 || answer.truncated) {
      throw new FlotillaError('BAD_GATEWAY', { extensions: { upstream: options.gatewayName } });
    }
    reply.header('cache-control', 'no-store');
    return { gateway: base, document: JSON.parse(answer.body) as unknown };
  });

  app.post('/api/explorer/send', { schema: { hide: true, body: SendBody } }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    return sendThroughGateway(await gateway(), request.body, options);
  });
}
