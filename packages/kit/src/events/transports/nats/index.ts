import type { TransportEngine } from '../event-transport.js';

/** `nats://`: NATS JetStream. */
export const natsEngine: TransportEngine = {
  kind: 'nats',
  label: 'NATS JetStream',
  async open(url, { namespace, onError }) {
    const { NatsTransport } = await import('./nats-transport.js');
    return NatsTransport.connect({ url, prefix: namespace, onError });
  },
};
