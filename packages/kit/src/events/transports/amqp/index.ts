import type { TransportEngine } from '../event-transport.js';

/** `amqp://` and `amqps://`: RabbitMQ. */
export const amqpEngine: TransportEngine = {
  kind: 'amqp',
  label: 'RabbitMQ',
  async open(url, { namespace, onError }) {
    const { AmqpTransport } = await import('./amqp-transport.js');
    return AmqpTransport.connect({ url, exchange: `${namespace}.events`, onError });
  },
};
