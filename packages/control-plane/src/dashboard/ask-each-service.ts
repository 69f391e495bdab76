import { type CallOptions, callInstance } from './call-instance.js';
import type { ServiceView } from './dashboard-options.js';
import { isMissingRoute } from './is-missing-route.js';
import { pickInstance } from './pick-instance.js';

/** A service's answer, from the instance that gave it, or why it could not be asked. */
export type ServiceAnswer =
  | { readonly service: string; readonly instance: string; readonly body: unknown }
  | { readonly service: string; readonly error: string };

/**
 * Asks one passing instance of every service in `services` for `path`, all at once, in their order.
 * A service without the route (a process without the kit's endpoints, like the gateway) has nothing
 * to show and is left out; any other failure is kept as that service's error.
 */
export async function askEachService(
  services: readonly ServiceView[],
  path: string,
  call: Omit<CallOptions, 'service' | 'method'>,
): Promise<ServiceAnswer[]> {
  const answers = await Promise.all(
    services.map(async ({ name: service }): Promise<ServiceAnswer | undefined> => {
      try {
        const instance = pickInstance(services, service);
        const answer = await callInstance(instance, path, { ...call, service });
        return { service, instance: instance.id, body: answer.body };
      } catch (error) {
        if (isMissingRoute(error)) return undefined;
        return { service, error: (error as Error).message };
      }
    }),
  );
  return answers.filter((answer) => answer !== undefined);
}
