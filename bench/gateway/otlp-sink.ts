import { createServer } from 'node:http';

// A collector that accepts every OTLP/HTTP export and keeps nothing: the traced gateway pays for
// making, batching, encoding and sending its spans, and the collector's own cost stays out of the
// figures (it runs in this separate process).
const port = Number(process.argv[2]);
createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    // An empty protobuf ExportTraceServiceResponse: everything accepted.
    response.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 });
    response.end();
  });
}).listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
