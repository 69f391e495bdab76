import { until } from './until.js';

/**
 * Waits until the gateway routes every one of `paths`, read from its OpenAPI document through the
 * control plane: processes are ready before the gateway has first looked at the registry, and until
 * then it routes nothing.
 */
export async function untilGatewayRoutes(controlPlaneUrl: string, ...paths: string[]): Promise<void> {
  await until(`the gateway routing ${paths.join(', ')}`, async () => {
    const { document } = (await (await fetch(`${controlPlaneUrl}/api/explorer/openapi`)).json()) as {
      document: { paths: Record<string, unknown> };
    };
    return paths.every((path) => path in document.paths);
  });
}
