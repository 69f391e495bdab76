import proxy from '@fastify/http-proxy';
import Fastify from 'fastify';

const [port, upstream] = [Number(process.argv[2]), process.argv[3]!];
const app = Fastify({ logger: false });
await app.register(proxy, { upstream, prefix: '/api/users', rewritePrefix: '/users' });
await app.listen({ port, host: '127.0.0.1' });
process.stdout.write('ready\n');
