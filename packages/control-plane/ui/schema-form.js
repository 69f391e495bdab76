// @ts-check
// A request form built from one OpenAPI operation: its parameters as inputs and its JSON body
// prefilled with an example generated from the schema.
import { h } from './dom.js';

/** @typedef {Record<string, any>} Schema A JSON Schema as OpenAPI 3.0 writes it. */
/**
 * @typedef {object} OpenApiDocument The gateway's aggregated document.
 * @property {Record<string, Record<string, any>>} [paths]
 * @property {{ schemas?: Record<string, Schema> }} [components]
 * @property {string[]} [x-unavailable] services that did not answer for their document
 */
/**
 * @typedef {object} Parameter
 * @property {string} name
 * @property {'path' | 'query' | 'header' | 'cookie'} in
 * @property {boolean} [required]
 * @property {string} [description]
 * @property {Schema} [schema]
 */
/**
 * @typedef {object} Operation One method on one path of the document.
 * @property {string} method upper case
 * @property {string} path
 * @property {string} [summary]
 * @property {Parameter[]} parameters
 * @property {Schema | undefined} body the JSON request body's schema
 * @property {boolean} bodyRequired
 */
/** @typedef {{ path: string, headers: Record<string, string>, body: string | undefined }} FilledRequest */

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];
/** Deeper than any sane schema; stops a schema that refers to itself. */
const MAX_DEPTH = 8;

/**
 * Every operation of the document, in its path order.
 * @param {OpenApiDocument} document
 * @returns {Operation[]}
 */
export function operationsOf(document) {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) => {
    /** @type {Parameter[]} */
    const shared = (item.parameters ?? []).map((/** @type {Schema} */ p) => resolve(p, document));
    return METHODS.filter((method) => item[method]).map((method) => {
      const operation = item[method];
      /** @type {Parameter[]} */
      const own = (operation.parameters ?? []).map((/** @type {Schema} */ p) => resolve(p, document));
      const byKey = new Map([...shared, ...own].map((p) => [`${p.in}:${p.name}`, p]));
      const body = operation.requestBody ? resolve(operation.requestBody, document) : undefined;
      return {
        method: method.toUpperCase(),
        path,
        summary: operation.summary ?? operation.description,
        parameters: [...byKey.values()].filter((p) => p.in !== 'cookie'),
        body: body?.content?.['application/json']?.schema,
        bodyRequired: body?.required === true,
      };
    });
  });
}

/**
 * Follows a local `$ref` (the aggregated document has only `#/components/…` ones).
 * @param {Schema} schema
 * @param {OpenApiDocument} document
 * @returns {Schema}
 */
function resolve(schema, document) {
  let current = schema;
  for (let hops = 0; typeof current?.$ref === 'string' && hops < MAX_DEPTH; hops++) {
    /** @type {any} */
    let target = document;
    for (const key of current.$ref.replace(/^#\//, '').split('/')) {
      target = target?.[key.replaceAll('~1', '/').replaceAll('~0', '~')];
    }
    current = target ?? {};
  }
  return current ?? {};
}

/**
 * A value that satisfies `schema` as far as an example can: the schema's own example, default or
 * first choice where it has one, else the simplest value of its type within its bounds.
 * @param {Schema | undefined} schema
 * @param {OpenApiDocument} document
 * @param {string} [name] the property it fills, to pick a plausible string
 * @param {number} [depth]
 * @returns {unknown}
 */
export function exampleOf(schema, document, name = '', depth = 0) {
  if (!schema || depth > MAX_DEPTH) return null;
  const s = resolve(schema, document);
  if ('example' in s) return s.example;
  if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0];
  if ('default' in s) return s.default;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if (Array.isArray(s.allOf)) {
    return Object.assign(
      {},
      ...s.allOf.map((/** @type {Schema} */ part) => exampleOf(part, document, name, depth + 1)),
    );
  }
  const choices = s.oneOf ?? s.anyOf;
  if (Array.isArray(choices) && choices.length > 0) {
    const chosen = choices.find((/** @type {Schema} */ choice) => resolve(choice, document).type !== 'null');
    return exampleOf(chosen ?? choices[0], document, name, depth + 1);
  }
  const type = Array.isArray(s.type) ? s.type.find((/** @type {string} */ t) => t !== 'null') : s.type;
  if (type === 'object' || (type === undefined && s.properties)) {
    return Object.fromEntries(
      Object.entries(s.properties ?? {}).map(([key, property]) => [
        key,
        exampleOf(property, document, key, depth + 1),
      ]),
    );
  }
  if (type === 'array') {
    const count = Math.max(1, s.minItems ?? 1);
    return Array.from({ length: count }, () => exampleOf(s.items, document, name, depth + 1));
  }
  if (type === 'integer' || type === 'number') {
    const least = s.minimum ?? (typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : 1);
    return s.maximum !== undefined ? Math.min(least, s.maximum) : least;
  }
  if (type === 'boolean') return false;
  if (type === 'string') return stringExample(s, name);
  return null;
}

/**
 * @param {Schema} s
 * @param {string} name
 */
function stringExample(s, name) {
  // Unique where a service is likely to keep values unique (an e-mail address), so that sending
  // the same form twice does not only test the conflict.
  const unique = Math.random().toString(36).slice(2, 8);
  switch (s.format) {
    case 'email':
      return `ada-${unique}@example.com`;
    case 'uuid':
      return crypto.randomUUID();
    case 'date-time':
      return new Date().toISOString();
    case 'date':
      return new Date().toISOString().slice(0, 10);
    case 'uri':
    case 'url':
      return 'https://example.com/';
  }
  const text = /name/i.test(name) ? 'Ada Lovelace' : name ? `${name}-${unique}` : 'text';
  const long = text.padEnd(s.minLength ?? 0, 'x');
  return s.maxLength !== undefined ? long.slice(0, s.maxLength) : long;
}

/**
 * The form of one operation and how to read it back as a request.
 * @param {Operation} operation
 * @param {OpenApiDocument} document
 * @returns {{ fields: HTMLElement, read(): FilledRequest }}
 */
export function operationForm(operation, document) {
  const inputs = operation.parameters.map((parameter) => {
    const example = exampleOf(parameter.schema, document, parameter.name);
    const input = h('input', {
      name: `${parameter.in}:${parameter.name}`,
      'data-param': parameter.name,
      'data-in': parameter.in,
      placeholder: example === null || example === undefined ? '' : String(example),
      required: parameter.required,
      autocomplete: 'off',
    });
    return {
      parameter,
      input,
      label: h(
        'label',
        { title: parameter.description ?? '' },
        h(
          'span',
          {},
          parameter.name,
          parameter.required ? ' *' : '',
          h('small', { class: 'muted' }, ` ${parameter.in}`),
        ),
        input,
      ),
    };
  });
  const body =
    operation.body === undefined
      ? undefined
      : h(
          'textarea',
          { name: 'body', class: 'json', rows: 10, spellcheck: 'false' },
          JSON.stringify(exampleOf(operation.body, document), null, 2),
        );
  const fields = h(
    'div',
    { class: 'schema-form' },
    inputs.length > 0
      ? h(
          'div',
          { class: 'params' },
          inputs.map((field) => field.label),
        )
      : null,
    body
      ? h('label', { class: 'body' }, h('span', {}, 'JSON body', operation.bodyRequired ? ' *' : ''), body)
      : null,
  );
  return {
    fields,
    read() {
      let path = operation.path;
      const query = new URLSearchParams();
      /** @type {Record<string, string>} */
      const headers = {};
      for (const { parameter, input } of inputs) {
        const value = input.value;
        if (parameter.in === 'path') path = path.replace(`{${parameter.name}}`, encodeURIComponent(value));
        else if (value === '') continue;
        else if (parameter.in === 'query') query.append(parameter.name, value);
        else headers[parameter.name] = value;
      }
      const search = query.toString();
      return { path: search ? `${path}?${search}` : path, headers, body: body?.value };
    },
  };
}
