import { FlotillaError } from '@flotilla/kit/errors';
import type { InstanceView, ServiceView } from './dashboard-options.js';

/** A passing instance of `name` to send an operator's request to. */
export function pickInstance(services: readonly ServiceView[], name: string): InstanceView {
  const service = services.find((candidate) => candidate.name === name);
  if (!service) throw new FlotillaError('NOT_FOUND', { detail: `no service named '${name}' is registered` });
  const passing = service.instances.filter((instance) => instance.health === 'passing');
  const instance = passing[Math.floor(Math.random() * passing.length)];
  if (!instance) {
    throw new FlotillaError('UPSTREAM_UNAVAILABLE', {
      detail: `'${name}' has no passing instance`,
      extensions: { upstream: name },
    });
  }
  return instance;
}
