/**
 * Request targets a gateway must refuse with 400 before routing, for a route at `prefix`: dot
 * segments plain and encoded, encoded slashes and backslashes, NUL, `//`, matrix-style `..;`,
 * malformed escapes, absolute-form and asterisk-form targets.
 */
export function pathAttacks(prefix: string, host = '127.0.0.1'): readonly string[] {
  return [
    `${prefix}/../admin`,
    `${prefix}/./1`,
    `${prefix}/%2e%2e/admin`,
    `${prefix}/%2E%2e/admin`,
    `${prefix}/.%2e/admin`,
    `${prefix}/..%2fadmin`,
    `${prefix}/..%2Fadmin`,
    `${prefix}%2F..%2Fadmin`,
    `${prefix}/1%2F2`,
    `${prefix}/%5c..%5cadmin`,
    `${prefix}/..\\admin`,
    `${prefix}/1%00.json`,
    `${prefix}//1`,
    `/${prefix}/1`,
    `${prefix}/..;/admin`,
    `${prefix}/%zz`,
    `http://evil.example${prefix}/1`,
    `http://${host}${prefix}/../admin`,
    '*',
  ];
}

/**
 * Framings that could make a proxy and its upstream disagree on where a request ends (request
 * smuggling): each hides a second request, `smuggled`, after the first. Node's strict parser
 * must refuse every one with 400 and close the connection.
 */
export function smugglingAttacks(path: string, smuggled: string): readonly [name: string, raw: string][] {
  const hidden = `${smuggled}\r\n`;
  const chunked = `0\r\n\r\n${hidden}`;
  const head = (fields: string) => `POST ${path} HTTP/1.1\r\nhost: gw\r\n${fields}\r\n`;
  return [
    [
      'Content-Length with Transfer-Encoding (CL.TE)',
      `${head(`content-length: 4\r\ntransfer-encoding: chunked\r\n`)}${chunked}`,
    ],
    [
      'Transfer-Encoding before Content-Length (TE.CL)',
      `${head(`transfer-encoding: chunked\r\ncontent-length: 4\r\n`)}${chunked}`,
    ],
    [
      'two different Content-Lengths',
      `${head(`content-length: 4\r\ncontent-length: ${hidden.length + 4}\r\n`)}abcd${hidden}`,
    ],
    ['a Content-Length list', `${head(`content-length: 4, ${hidden.length + 4}\r\n`)}abcd${hidden}`],
    [
      'Transfer-Encoding: xchunked',
      `${head('content-length: 4\r\ntransfer-encoding: xchunked\r\n')}${chunked}`,
    ],
    ['a space before the colon', `${head('content-length: 4\r\ntransfer-encoding : chunked\r\n')}${chunked}`],
    [
      'a tab-led Transfer-Encoding value',
      `${head('content-length: 4\r\ntransfer-encoding:\tchunked\r\n')}${chunked}`,
    ],
    [
      'Transfer-Encoding folded onto a second line',
      `${head('content-length: 4\r\ntransfer-encoding:\r\n chunked\r\n')}${chunked}`,
    ],
    ['Transfer-Encoding: chunked, identity', `${head('transfer-encoding: chunked, identity\r\n')}${chunked}`],
    [
      'two Transfer-Encoding headers',
      `${head('transfer-encoding: chunked\r\ntransfer-encoding: identity\r\n')}${chunked}`,
    ],
    [
      'a bare LF line ending',
      `POST ${path} HTTP/1.1\nhost: gw\ncontent-length: 4\ntransfer-encoding: chunked\n\n${chunked}`,
    ],
    ['a signed Content-Length', `${head('content-length: +4\r\n')}abcd${hidden}`],
    [
      'a chunk size with an overflow',
      `${head('transfer-encoding: chunked\r\n')}fffffffffffffffff1\r\nabcd\r\n0\r\n\r\n${hidden}`,
    ],
  ];
}
