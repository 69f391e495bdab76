import { createServer } from 'node:http';

// The same small JSON answer for every variant.
const body = JSON.stringify({ id: '42', name: 'Ada Lovelace', email: 'ada@example.com' });
const port = Number(process.argv[2]);
createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}).listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
