import type { TransportEngine } from '../event-transport.js';
import { parseKafkaUrl } from './kafka-url.js';

/** `kafka://host:port[,host:port…]`: Apache Kafka. */
export const kafkaEngine: TransportEngine = {
  kind: 'kafka',
  label: 'Apache Kafka',
  // Several brokers make it no WHATWG URL: the default `host:port` reading does not apply.
  endpoint: (url) => parseKafkaUrl(url).brokers.join(','),
  async open(url, { namespace, onError }) {
    const { KafkaTransport } = await import('./kafka-transport.js');
    return KafkaTransport.connect({ ...parseKafkaUrl(url), prefix: namespace, onError });
  },
};
