/** An instance as the registry's Consul-compatible health API lists it. */
export interface RegisteredInstance {
  readonly Service: { readonly ID: string; readonly Tags: string[]; readonly Meta: Record<string, string> };
}

/** The instances of `service` whose checks pass, as the gateway sees them. */
export async function passingInstances(
  controlPlaneUrl: string,
  service: string,
): Promise<RegisteredInstance[]> {
  const response = await fetch(`${controlPlaneUrl}/v1/health/service/${service}?passing=true`);
  return (await response.json()) as RegisteredInstance[];
}
