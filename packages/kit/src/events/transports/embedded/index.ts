import type { TransportEngine } from '../event-transport.js';

/** No broker: the publisher's relay delivers over HTTP to each subscribing service (no URL). */
export const embeddedEngine: TransportEngine = {
  kind: 'embedded',
  label: 'embedded (outbox → HTTP)',
  async open(_url, { db, directory }) {
    const { EmbeddedTransport } = await import('./embedded-transport.js');
    return new EmbeddedTransport({ db, directory });
  },
};
