// @ts-check
import { h } from './dom.js';

/** @typedef {number | null | undefined} Figure A measured value; absent while not measured yet. */

/** @param {Figure} value */
export function rate(value) {
  if (value === undefined || value === null) return '–';
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** @param {Figure} value */
export function percent(value) {
  if (value === undefined || value === null) return '–';
  return `${(value * 100).toFixed(value > 0 && value < 0.01 ? 2 : 1)}%`;
}

/** @param {Figure} value */
export function millis(value) {
  if (value === undefined || value === null) return '–';
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  if (value >= 1000) return `${(value / 1000).toFixed(2)} s`;
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(1)} ms`;
}

/** @param {Figure} value */
export function seconds(value) {
  if (value === undefined || value === null) return '–';
  if (value < 60) return `${value.toFixed(value < 10 ? 1 : 0)} s`;
  if (value < 3600) return `${Math.floor(value / 60)} min`;
  return `${(value / 3600).toFixed(1)} h`;
}

/** @param {number} epochMs */
export function clock(epochMs) {
  return new Date(epochMs).toLocaleTimeString([], { hour12: false });
}

const PALETTE = ['#38bdf8', '#f472b6', '#facc15', '#34d399', '#a78bfa', '#fb923c', '#60a5fa', '#f87171'];
/** @type {string[]} */
let known = [];

/**
 * The services the page knows, so each gets its own colour while there are enough of them.
 * @param {string[]} names
 */
export function setKnownServices(names) {
  known = [...new Set(names)].sort();
}

/**
 * A stable colour per service name, the same in the topology, the cards and the traces.
 * @param {string} name
 */
export function serviceColour(name) {
  const index = known.indexOf(name);
  if (index >= 0) return paletteColour(index);
  let hash = 0;
  for (const char of String(name)) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return paletteColour(hash);
}

/**
 * A service's name in its colour.
 * @param {string} name
 */
export function tag(name) {
  const element = h('span', { class: 'tag' }, name);
  element.style.borderColor = serviceColour(name);
  return element;
}

/** @param {number} n */
function paletteColour(n) {
  // The remainder always indexes the palette.
  return /** @type {string} */ (PALETTE[n % PALETTE.length]);
}
