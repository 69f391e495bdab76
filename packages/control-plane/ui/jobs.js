// @ts-check
// Scheduled jobs of every service: their latest runs, and "Run now".
import { api, messageOf } from './api.js';
import { find, h, mount } from './dom.js';
import { clock, millis } from './format.js';

/** @typedef {import('../src/dashboard/jobs-routes.js').JobsOverview} JobsOverview */
/** @typedef {import('../src/dashboard/jobs-routes.js').ServiceJobs} ServiceJobs */
/** @typedef {import('@flotilla/kit/jobs').JobStatus} JobStatus */
/** @typedef {import('@flotilla/kit/jobs').JobRun} JobRun */

const REFRESH_MS = 2000;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let timer;
/** What the latest "Run now" of each job answered, kept across refreshes: `service/job` → line. */
const asked = new Map();

/** Shows the jobs and keeps them fresh while the tab is open. */
export function showJobs() {
  refresh();
}

export function hideJobs() {
  clearTimeout(timer);
}

async function refresh() {
  clearTimeout(timer);
  const root = find('#jobs', HTMLElement);
  try {
    /** @type {JobsOverview} */
    const overview = await api('/api/jobs');
    mount(
      root,
      overview.services.length === 0
        ? h('p', { class: 'panel muted empty' }, 'No service declares a job.')
        : null,
      overview.services.map(servicePanel),
      overview.unavailable.length > 0
        ? h(
            'p',
            { class: 'error' },
            `Not answering: ${overview.unavailable.map((entry) => `${entry.service} (${entry.error})`).join(', ')}`,
          )
        : null,
    );
  } catch (error) {
    mount(root, h('p', { class: 'error' }, `Jobs unavailable: ${messageOf(error)}`));
  } finally {
    if (!find('#tab-jobs', HTMLElement).hidden && !document.hidden) timer = setTimeout(refresh, REFRESH_MS);
  }
}

/** @param {ServiceJobs} entry */
function servicePanel(entry) {
  return h(
    'div',
    { class: 'panel jobs', 'data-service': entry.service },
    h('h2', {}, entry.service, ' ', h('small', { class: 'muted' }, `history from ${entry.instance}`)),
    entry.jobs.map((job) => jobBlock(entry.service, job)),
  );
}

/**
 * @param {string} service
 * @param {JobStatus} job
 */
function jobBlock(service, job) {
  const key = `${service}/${job.name}`;
  const result = h('span', { class: 'run-result' }, asked.get(key) ?? '');
  const runNow = h(
    'button',
    {
      type: 'button',
      class: 'primary',
      'data-run': job.name,
      onclick: async () => {
        runNow.disabled = true;
        try {
          /** @type {{ run: JobRun, instance: string }} */
          const answer = await api(
            `/api/services/${encodeURIComponent(service)}/jobs/${encodeURIComponent(job.name)}/run`,
            { method: 'POST' },
          );
          asked.set(key, `run ${answer.run.id} started on ${answer.instance}`);
        } catch (error) {
          asked.set(key, `not started: ${messageOf(error)}`);
        }
        runNow.disabled = false;
        refresh();
      },
    },
    'Run now',
  );
  return h(
    'div',
    { class: 'job', 'data-job': job.name },
    h(
      'div',
      { class: 'job-head' },
      h('h3', {}, job.name),
      h('code', { title: `read in ${job.timezone}` }, job.schedule),
      h(
        'span',
        { class: 'muted' },
        job.nextTick
          ? `next ${new Date(job.nextTick).toLocaleString([], { hour12: false })}`
          : 'no next tick',
        ` · missed ticks: ${job.missed} · ${job.maxAttempts} attempts`,
      ),
      runNow,
      result,
    ),
    job.runs.length === 0
      ? h('p', { class: 'muted' }, 'No run yet.')
      : h(
          'table',
          { class: 'traces runs' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['tick', 'trigger', 'status', 'attempts', 'took', 'instance', 'error'].map((title) =>
                h('th', {}, title),
              ),
            ),
          ),
          h('tbody', {}, job.runs.map(runRow)),
        ),
  );
}

/** @param {JobRun} run */
function runRow(run) {
  const tone = { done: 'healthy', running: '', retrying: 'degraded', dead: 'down' }[run.status];
  const took = run.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.startedAt) : undefined;
  return h(
    'tr',
    { 'data-run-id': run.id, 'data-status': run.status, 'data-trigger': run.trigger },
    h('td', {}, clock(Date.parse(run.tick))),
    h('td', {}, run.trigger),
    h('td', {}, h('span', { class: `pill ${tone}` }, run.status)),
    h('td', {}, run.attempts),
    h('td', {}, took === undefined ? '–' : millis(took)),
    h('td', { class: 'muted' }, run.claimedBy),
    h('td', { class: 'error' }, run.lastError ?? ''),
  );
}
