import express from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';

const [port, upstream] = [Number(process.argv[2]), process.argv[3]!];
const app = express();
app.use(
  '/api/users',
  createProxyMiddleware({ target: upstream, pathRewrite: (path) => `/users${path}`, changeOrigin: true }),
);
app.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
