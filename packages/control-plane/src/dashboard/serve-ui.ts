import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { HttpServer } from '@flotilla/kit/http';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Serves the hand-written UI files from `directory` under `/ui/`. A handful of small files is read
 * once into memory and only names present at start are routed, so no request path ever reaches the
 * file system (nothing to traverse, no static-file plugin needed). Assets revalidate by ETag on every
 * load (`no-cache`), so a new version of the package is picked up at once without stale caches.
 */
export function serveUi(app: HttpServer, directory: string): void {
  // Relative asset URLs in the page resolve under /ui/ only with the trailing slash.
  app.get('/ui', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/ui/', 302));
  for (const name of readdirSync(directory)) {
    const type = CONTENT_TYPES[extname(name)];
    if (!type) continue;
    const body = readFileSync(join(directory, name));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    const path = name === 'index.html' ? '/ui/' : `/ui/${name}`;
    app.get(path, { schema: { hide: true } }, async (request, reply) => {
      reply
        .header('cache-control', 'no-cache')
        .header('etag', etag)
        .header('x-content-type-options', 'nosniff')
        // The page loads nothing from elsewhere: same-origin scripts, styles and API calls only.
        .header(
          'content-security-policy',
          "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
        );
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      return reply.type(type).send(body);
    });
  }
}
