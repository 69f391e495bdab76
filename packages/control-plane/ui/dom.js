// @ts-check
// Tiny DOM builders: every value goes in as text or attribute, never as HTML, so data from services
// cannot inject markup.

/** @typedef {Node | string | number | boolean | null | undefined} Child */
/** @typedef {Record<string, unknown>} Attributes Event handlers under `on…`, attributes otherwise. */

/**
 * The page's element matching `selector`, of `type`. index.html always has it, so its absence is a
 * bug to report at once rather than a null to carry around.
 * @template {Element} E
 * @param {string} selector
 * @param {new (...args: never[]) => E} type
 * @returns {E}
 */
export function find(selector, type) {
  const element = document.querySelector(selector);
  if (!(element instanceof type)) throw new Error(`the page has no ${type.name} at ${selector}`);
  return element;
}

/**
 * `h('div', { class: 'x', onclick }, child, 'text')`
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attributes} [attributes]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attributes = {}, ...children) {
  return fill(document.createElement(tag), attributes, children);
}

const SVG = 'http://www.w3.org/2000/svg';

/**
 * @param {string} tag
 * @param {Attributes} [attributes]
 * @param {...(Child | Child[])} children
 * @returns {SVGElement}
 */
export function s(tag, attributes = {}, ...children) {
  return fill(document.createElementNS(SVG, tag), attributes, children);
}

/**
 * @template {Element} E
 * @param {E} element
 * @param {Attributes} attributes
 * @param {(Child | Child[])[]} children
 * @returns {E}
 */
function fill(element, attributes, children) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), /** @type {EventListener} */ (value));
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/**
 * Replaces the content of `element` with `children`.
 * @param {Element} element
 * @param {...(Node | string | null | undefined | (Node | null)[])} children
 */
export function mount(element, ...children) {
  element.replaceChildren();
  for (const child of children.flat()) if (child) element.append(child);
}
