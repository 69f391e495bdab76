// @ts-check
import { mount, s } from './dom.js';
import { rate, serviceColour } from './format.js';

/** @typedef {import('../src/dashboard/overview.js').Overview} Overview */
/** @typedef {import('../src/dashboard/overview.js').ServiceOverview} ServiceOverview */
/** @typedef {import('../src/dashboard/overview.js').EdgeOverview} EdgeOverview */
/** @typedef {import('../src/dashboard/breaker-state.js').BreakerState} BreakerState */
/** @typedef {{ x: number, y: number, width: number, height: number }} Box */

const BOX = { width: 190, height: 92 };
const ROW = { gateway: 24, services: 170, transport: 372 };
const GAP = 36;

/** @type {Partial<Record<BreakerState, string>>} */
const EDGE_CLASS = { open: 'edge open', isolated: 'edge open', 'half-open': 'edge half-open' };

/** @param {BreakerState | undefined} breaker */
function edgeClass(breaker) {
  return (breaker && EDGE_CLASS[breaker]) ?? 'edge';
}

/**
 * Draws gateway → services → transport as SVG, with breaker states on the call edges.
 * @param {HTMLElement} container
 * @param {Overview} overview
 * @param {(service: string) => void} onSelect
 */
export function renderTopology(container, overview, onSelect) {
  const services = overview.services;
  const width = Math.max(760, services.length * (BOX.width + GAP) + GAP);
  const height = ROW.transport + 60;
  /** @type {Map<string, Box>} */
  const positions = new Map();
  const left = (width - (services.length * (BOX.width + GAP) - GAP)) / 2;
  services.forEach((service, index) => {
    positions.set(service.name, { x: left + index * (BOX.width + GAP), y: ROW.services, ...BOX });
  });
  const gatewayName = overview.gateway?.name ?? 'gateway';
  const gatewayBox = { x: width / 2 - 110, y: ROW.gateway, width: 220, height: 64 };
  const transportBox = { x: width / 2 - 130, y: ROW.transport, width: 260, height: 48 };

  const edges = overview.edges.map((edge) => {
    const from = edge.from === gatewayName ? gatewayBox : positions.get(edge.from);
    const to = edge.to === 'transport' ? transportBox : positions.get(edge.to);
    if (!from || !to) return null;
    if (edge.kind === 'events') return eventEdge(from, to);
    if (edge.from === gatewayName) return straightEdge(edge, from, to);
    return arcEdge(edge, from, to);
  });

  mount(
    container,
    s(
      'svg',
      { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'System topology' },
      markers(),
      edges,
      gatewayNode(overview.gateway, gatewayBox, onSelect),
      services.map((service) => {
        const box = positions.get(service.name);
        return box ? serviceNode(service, box, onSelect) : null;
      }),
      overview.transport ? transportNode(overview.transport, transportBox) : null,
    ),
  );
}

function markers() {
  return s(
    'defs',
    {},
    ['plain', 'open', 'half-open', 'events'].map((name) =>
      s(
        'marker',
        {
          id: `arrow-${name}`,
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: `arrow ${name}` }),
      ),
    ),
  );
}

/** @param {BreakerState | undefined} breaker */
function arrowOf(breaker) {
  return breaker === 'open' || breaker === 'isolated'
    ? 'open'
    : breaker === 'half-open'
      ? 'half-open'
      : 'plain';
}

/**
 * @param {EdgeOverview} edge
 * @param {Box} from
 * @param {Box} to
 */
function straightEdge(edge, from, to) {
  const x1 = from.x + from.width / 2;
  const y1 = from.y + from.height;
  const x2 = to.x + to.width / 2;
  const y2 = to.y - 2;
  return s(
    'g',
    { 'data-edge': `${edge.from}->${edge.to}`, 'data-breaker': edge.breaker ?? 'none' },
    s('path', {
      d: `M${x1},${y1} C${x1},${y1 + 50} ${x2},${y2 - 50} ${x2},${y2}`,
      class: edgeClass(edge.breaker),
      'marker-end': `url(#arrow-${arrowOf(edge.breaker)})`,
    }),
    edge.breaker && edge.breaker !== 'closed' ? edgeLabel((x1 + x2) / 2, (y1 + y2) / 2, edge.breaker) : null,
  );
}

/**
 * A call between two services: an arc under the service row, labelled with the breaker state.
 * @param {EdgeOverview} edge
 * @param {Box} from
 * @param {Box} to
 */
function arcEdge(edge, from, to) {
  const rightwards = to.x > from.x;
  const x1 = from.x + from.width * (rightwards ? 0.7 : 0.3);
  const x2 = to.x + to.width * (rightwards ? 0.3 : 0.7);
  const y = from.y + from.height;
  const dip = 46 + Math.abs(x2 - x1) * 0.08;
  return s(
    'g',
    { 'data-edge': `${edge.from}->${edge.to}`, 'data-breaker': edge.breaker ?? 'none' },
    s('path', {
      d: `M${x1},${y} C${x1},${y + dip} ${x2},${y + dip} ${x2},${y + 2}`,
      class: edgeClass(edge.breaker),
      'marker-end': `url(#arrow-${arrowOf(edge.breaker)})`,
    }),
    edgeLabel((x1 + x2) / 2, y + dip * 0.75, `breaker ${edge.breaker ?? 'closed'}`, edge.breaker),
  );
}

/**
 * @param {Box} from
 * @param {Box} to
 */
function eventEdge(from, to) {
  const x1 = from.x + from.width / 2;
  const y1 = from.y + from.height;
  const x2 = to.x + to.width / 2;
  const y2 = to.y - 2;
  return s('path', {
    d: `M${x1},${y1} C${x1},${y1 + 60} ${x2},${y2 - 50} ${x2},${y2}`,
    class: 'edge events',
    'marker-end': 'url(#arrow-events)',
  });
}

/**
 * @param {number} x
 * @param {number} y
 * @param {string} text
 * @param {string} [state]
 */
function edgeLabel(x, y, text, state = text) {
  const width = text.length * 6.6 + 14;
  return s(
    'g',
    { class: `edge-label ${state}` },
    s('rect', { class: 'label-bg', x: x - width / 2, y: y - 10, width, height: 20, rx: 10 }),
    s('text', { x, y: y + 4, 'text-anchor': 'middle' }, text),
  );
}

/**
 * @param {ServiceOverview['instances']} instances
 * @param {number} x
 * @param {number} y
 */
function instanceDots(instances, x, y) {
  return instances.map((instance, index) =>
    s(
      'circle',
      { cx: x + index * 14, cy: y, r: 5, class: `dot ${instance.health}` },
      s('title', {}, `${instance.id} — ${instance.health}`),
    ),
  );
}

/**
 * @param {ServiceOverview} service
 * @param {Box} box
 * @param {(service: string) => void} onSelect
 */
function serviceNode(service, box, onSelect) {
  const passing = service.instances.filter((instance) => instance.health === 'passing').length;
  return s(
    'g',
    {
      class: `node ${service.status}`,
      'data-service': service.name,
      'data-status': service.status,
      tabindex: 0,
      onclick: () => onSelect(service.name),
    },
    s('rect', { class: 'box', x: box.x, y: box.y, width: box.width, height: box.height, rx: 10 }),
    s('rect', { x: box.x, y: box.y, width: 5, height: box.height, rx: 2, fill: serviceColour(service.name) }),
    s('text', { x: box.x + 16, y: box.y + 24, class: 'name' }, service.name),
    s(
      'text',
      { x: box.x + box.width - 12, y: box.y + 76, class: `status ${service.status}`, 'text-anchor': 'end' },
      service.status,
    ),
    instanceDots(service.instances, box.x + 22, box.y + 46),
    s(
      'text',
      { x: box.x + 16 + Math.max(1, service.instances.length) * 14 + 6, y: box.y + 50, class: 'muted' },
      `${passing}/${service.instances.length} passing`,
    ),
    s(
      'text',
      { x: box.x + 16, y: box.y + 76, class: 'muted' },
      service.traffic ? `${rate(service.traffic.requestsPerSecond)} req/s` : 'measuring…',
    ),
  );
}

/**
 * @param {ServiceOverview | null} gateway
 * @param {Box} box
 * @param {(service: string) => void} onSelect
 */
function gatewayNode(gateway, box, onSelect) {
  const status = gateway ? gateway.status : 'unknown';
  return s(
    'g',
    {
      class: `node gateway ${status}`,
      'data-service': gateway?.name ?? 'gateway',
      'data-status': status,
      onclick: () => gateway && onSelect(gateway.name),
    },
    s('rect', { class: 'box', x: box.x, y: box.y, width: box.width, height: box.height, rx: 12 }),
    s('text', { x: box.x + 16, y: box.y + 26, class: 'name' }, 'gateway'),
    s(
      'text',
      { x: box.x + box.width - 14, y: box.y + 26, class: `status ${status}`, 'text-anchor': 'end' },
      gateway ? status : 'not registered',
    ),
    gateway ? instanceDots(gateway.instances, box.x + 22, box.y + 46) : null,
    gateway?.traffic
      ? s(
          'text',
          { x: box.x + box.width - 14, y: box.y + 50, class: 'muted', 'text-anchor': 'end' },
          `${rate(gateway.traffic.requestsPerSecond)} req/s`,
        )
      : null,
  );
}

/**
 * @param {import('../src/dashboard/overview.js').TransportOverview} transport
 * @param {Box} box
 */
function transportNode(transport, box) {
  const groups = transport.consumerGroups;
  const total = groups?.reduce((sum, group) => sum + group.lag, 0);
  const lag = total !== undefined ? `lag ${total}` : transport.consumerLagError ? 'lag unknown' : undefined;
  const detail = [transport.endpoint, lag].filter(Boolean).join(' · ');
  return s(
    'g',
    {
      class: 'node transport',
      'data-transport': transport.kind,
      ...(total !== undefined ? { 'data-consumer-lag': String(total) } : {}),
    },
    // The total is on the node; each group's share, or why there is none, on hover.
    s(
      'title',
      {},
      groups
        ? groups.map((group) => `${group.group}: lag ${group.lag}`).join('\n') || 'no consumer groups'
        : (transport.consumerLagError ?? `events · ${transport.label}`),
    ),
    s('rect', { class: 'box', x: box.x, y: box.y, width: box.width, height: box.height, rx: 24 }),
    s(
      'text',
      { x: box.x + box.width / 2, y: box.y + 21, class: 'name', 'text-anchor': 'middle' },
      `events · ${transport.label}`,
    ),
    detail
      ? s(
          'text',
          { x: box.x + box.width / 2, y: box.y + 38, class: 'muted', 'text-anchor': 'middle' },
          detail,
        )
      : null,
  );
}
