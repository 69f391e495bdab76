// @ts-check
import { h, mount } from './dom.js';

/** @typedef {import('../src/dashboard/overview.js').ProcessProblem} ProcessProblem */

/** Enough of a compiler's output to see the first errors; the terminal has all of it. */
const SHOWN_LINES = 12;

/**
 * One banner per process whose changed sources failed to build or parse (`flotilla start --watch`):
 * what failed and its first lines, and whether the previous version still serves. A banner goes
 * once a version that passes is started. Redrawn only when a problem changed, so that its text can
 * be selected and copied between refreshes.
 * @param {HTMLElement} container
 * @param {readonly ProcessProblem[]} problems
 */
export function renderProblems(container, problems) {
  const key = JSON.stringify(problems);
  if (container.dataset.key === key) return;
  container.dataset.key = key;
  container.hidden = problems.length === 0;
  mount(container, problems.map(banner));
}

/** @param {ProcessProblem} problem */
function banner(problem) {
  const lines = problem.problem.split('\n');
  const hidden = lines.length - SHOWN_LINES;
  return h(
    'div',
    {
      class: `banner problem ${problem.serving > 0 ? 'serving' : 'stopped'}`,
      'data-process': problem.process,
    },
    h('b', {}, problem.process),
    problem.serving > 0
      ? ` not rebuilt: still running the previous version (${problem.serving})`
      : ' not rebuilt: not running',
    h('pre', { class: 'problem-text' }, lines.slice(0, SHOWN_LINES).join('\n')),
    hidden > 0 ? h('div', { class: 'muted' }, `… ${hidden} more line(s) in the terminal`) : null,
  );
}
