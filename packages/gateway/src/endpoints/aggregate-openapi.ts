import type { LoadBalancer } from '@flotilla/kit/discovery';
import type { Route } from '../routes/route.js';
import type { UpstreamPools } from '../upstream/upstream-pools.js';

interface OpenApiDocument {
  paths?: Record<string, unknown>;
  components?: { schemas?: Record<string, unknown> };
}

/**
 * One OpenAPI 3 document for every routed service: each service's `/openapi.json` fetched from one
 * of its instances, its paths rewritten to their public form (upstream prefix → route prefix; paths
 * the route cannot reach are left out) and its schemas namespaced by service so names never clash.
 * A service that does not answer is listed under `x-unavailable` rather than failing the document.
 */
export async function aggregateOpenApi(
  routes: readonly Route[],
  balancer: LoadBalancer,
  pools: UpstreamPools,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  const unavailable: string[] = [];
  const documents = new Map<string, Promise<OpenApiDocument | undefined>>();
  for (const route of routes) {
    if (!documents.has(route.service)) {
      documents.set(route.service, fetchDocument(route.service, balancer, pools, timeoutMs));
    }
  }
  for (const route of routes) {
    const document = await documents.get(route.service)!;
    if (document === undefined) {
      if (!unavailable.includes(route.service)) unavailable.push(route.service);
      continue;
    }
    const renamed = renameRefs(document, route.service) as OpenApiDocument;
    for (const [path, item] of Object.entries(renamed.paths ?? {})) {
      const { upstreamPrefix } = route;
      if (upstreamPrefix !== '' && path !== upstreamPrefix && !path.startsWith(`${upstreamPrefix}/`))
        continue;
      paths[route.prefix + path.slice(upstreamPrefix.length)] = item;
    }
    for (const [name, schema] of Object.entries(renamed.components?.schemas ?? {})) {
      schemas[`${route.service}.${name}`] = schema;
    }
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Flotilla gateway', version: '1', description: 'Every routed service, by public path.' },
    paths,
    components: { schemas },
    ...(unavailable.length > 0 ? { 'x-unavailable': unavailable } : {}),
  };
}

async function fetchDocument(
  service: string,
  balancer: LoadBalancer,
  pools: UpstreamPools,
  timeoutMs: number,
): Promise<OpenApiDocument | undefined> {
  const instance = await balancer.pick(service);
  if (instance === undefined) return undefined;
  try {
    const { statusCode, body } = await pools.of(instance).request({
      path: '/openapi.json',
      method: 'GET',
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    if (statusCode !== 200) {
      await body.dump();
      return undefined;
    }
    const document = (await body.json()) as OpenApiDocument;
    return typeof document === 'object' && document !== null ? document : undefined;
  } catch {
    return undefined;
  }
}

function renameRefs(value: unknown, service: string): unknown {
  if (Array.isArray(value)) return value.map((item) => renameRefs(item, service));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] =
      key === '$ref' && typeof item === 'string' && item.startsWith('#/components/schemas/')
        ? `#/components/schemas/${service}.${item.slice('#/components/schemas/'.length)}`
        : renameRefs(item, service);
  }
  return out;
}
