// @ts-check
import { toggleDeadLetters } from './dead-letters.js';
import { h, mount } from './dom.js';
import { millis, percent, rate, seconds, serviceColour } from './format.js';

/** @typedef {import('../src/dashboard/overview.js').Overview} Overview */
/** @typedef {import('../src/dashboard/overview.js').ServiceOverview} ServiceOverview */
/** @typedef {import('../src/dashboard/overview.js').ProcessProblem} ProcessProblem */

/**
 * One card per service (gateway first): instances, RED figures, breakers, events.
 * @param {HTMLElement} container
 * @param {Overview} overview
 */
export function renderCards(container, overview) {
  const services = overview.gateway ? [overview.gateway, ...overview.services] : overview.services;
  // Keep open dead-letter lists open across refreshes: rebuild the cards, re-attach those panels.
  const openLists = new Map(
    [...container.querySelectorAll('.card')].flatMap((card) => {
      const panel = card.querySelector('.dead-letters[data-open="true"]');
      return card instanceof HTMLElement && panel instanceof HTMLElement
        ? [[card.dataset.service, panel]]
        : [];
    }),
  );
  const problems = new Map(overview.problems.map((problem) => [problem.process, problem]));
  mount(
    container,
    services.map((service) => card(service, openLists.get(service.name), problems.get(service.name))),
  );
}

/**
 * @param {ServiceOverview} service
 * @param {HTMLElement | undefined} openList
 * @param {ProcessProblem | undefined} problem the process's failed rebuild, told in the banner above
 */
function card(service, openList, problem) {
  const traffic = service.traffic;
  const errorClass = !traffic
    ? ''
    : traffic.errorRate >= 0.05
      ? 'bad'
      : traffic.errorRate > 0
        ? 'warn'
        : 'good';
  return h(
    'article',
    {
      class: `card ${service.status}`,
      id: `card-${service.name}`,
      'data-service': service.name,
      'data-status': service.status,
    },
    h(
      'header',
      {},
      swatch(service.name),
      h('h3', {}, service.name),
      service.routePrefix ? h('code', { class: 'prefix' }, service.routePrefix) : null,
      problem
        ? h('span', { class: 'badge problem', title: problem.problem, 'data-problem': 'true' }, 'not rebuilt')
        : null,
      h('span', { class: `pill ${service.status}` }, service.status),
    ),
    h(
      'div',
      { class: 'figures' },
      figure('req/s', traffic ? rate(traffic.requestsPerSecond) : '–'),
      figure('errors', traffic ? percent(traffic.errorRate) : '–', errorClass),
      figure('p95', traffic ? millis(traffic.p95Ms) : '–'),
    ),
    h(
      'ul',
      { class: 'instances' },
      service.instances.map((instance) =>
        h(
          'li',
          { class: instance.health, 'data-instance': instance.id, title: `scrape: ${instance.scrape}` },
          h('span', { class: `dot ${instance.health}` }),
          h('span', { class: 'id' }, instance.id),
          h('span', { class: 'muted' }, `${instance.address}:${instance.port}`),
          instance.version ? h('span', { class: 'muted' }, `v${instance.version}`) : null,
          h('span', { class: `health ${instance.health}` }, instance.health),
        ),
      ),
      service.instances.length === 0 ? h('li', { class: 'critical' }, 'no instance registered') : null,
    ),
    service.breakers.length > 0
      ? h(
          'div',
          { class: 'section' },
          h('h4', {}, 'Circuit breakers'),
          h(
            'div',
            { class: 'breakers' },
            service.breakers.map((breaker) =>
              h(
                'span',
                {
                  class: `breaker ${breaker.state}`,
                  'data-breaker-target': breaker.target,
                  'data-state': breaker.state,
                  title: Object.entries(breaker.instances)
                    .map(([state, count]) => `${count} instance(s) ${state}`)
                    .join(', '),
                },
                `→ ${breaker.target}`,
                h('b', {}, breaker.state),
              ),
            ),
          ),
        )
      : null,
    service.events ? events(service.name, service.events, openList) : null,
  );
}

/** @param {string} name */
function swatch(name) {
  const element = h('span', { class: 'swatch' });
  element.style.background = serviceColour(name);
  return element;
}

/**
 * @param {string} label
 * @param {string} value
 * @param {string} [tone]
 */
function figure(label, value, tone = '') {
  return h(
    'div',
    { class: `figure ${tone}` },
    h('div', { class: 'value' }, value),
    h('div', { class: 'label' }, label),
  );
}

/**
 * @param {string} service
 * @param {import('../src/dashboard/read-event-stats.js').EventStats} stats
 * @param {HTMLElement | undefined} openList
 */
function events(service, stats, openList) {
  const deadLetters = stats.deadLetters ?? 0;
  const panel = openList ?? h('div', { class: 'dead-letters', 'data-open': 'false' });
  return h(
    'div',
    { class: 'section' },
    h('h4', {}, 'Events'),
    h(
      'dl',
      { class: 'events' },
      stat('outbox pending', stats.outboxPending),
      stat(
        'oldest',
        stats.outboxOldestSeconds === undefined ? undefined : seconds(stats.outboxOldestSeconds),
      ),
      stat('consumer lag', stats.consumerLag),
      h(
        'div',
        { class: deadLetters > 0 ? 'bad' : '' },
        h('dt', {}, 'dead letters'),
        h('dd', { 'data-dead-letters': String(deadLetters) }, String(deadLetters)),
      ),
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'link',
        onclick: (/** @type {MouseEvent & { currentTarget: HTMLElement }} */ event) => {
          event.currentTarget.textContent =
            panel.dataset.open === 'true' ? 'show dead letters' : 'hide dead letters';
          toggleDeadLetters(panel, service);
        },
      },
      panel.dataset.open === 'true' ? 'hide dead letters' : 'show dead letters',
    ),
    panel,
  );
}

/**
 * @param {string} label
 * @param {string | number | undefined} value
 */
function stat(label, value) {
  return h('div', {}, h('dt', {}, label), h('dd', {}, value === undefined ? '–' : String(value)));
}
