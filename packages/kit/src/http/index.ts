export { createHttpServer, type HttpServer, type HttpServerOptions } from './create-http-server.js';
export { sendProblem, traceIdOf } from './send-problem.js';
export { requestSpanOf } from './trace-requests.js';
