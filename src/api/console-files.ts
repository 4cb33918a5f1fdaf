import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LgspError } from '../core/errors.ts';

/**
 * The web console (at `/`) and the public portal (at `/portal`) are one static build (`web/dist`, made by
 * `npm run build:web`, which `npm start` and `npm test` run when it is missing or stale). The admin process serves
 * it on the same origin as the API, so the console's session cookie and CSRF header need no CORS. Every path
 * that is not an API path answers the app's page, and the browser-side router shows the screen (deep links work).
 */
export const CONSOLE_DIST_DIR = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** Paths that belong to the server, never to the browser-side router: their unknown routes stay problem+json 404s. */
const SERVER_PATHS = /^\/(api|healthz|metrics)(\/|$)/;

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * What the page may load: only its own origin (no CDN: the console works offline, in a provincial data centre).
 * Ant Design writes its styles at run time (CSS-in-JS), hence `'unsafe-inline'` for styles only; scripts stay
 * `'self'`. The rendered API documents show images only from here or inline (`data:`).
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

/** Shown instead of a blank page when the console was never built (a checkout started without `npm start`). */
const NOT_BUILT_PAGE = `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>OpenLGSP — chưa dựng bảng điều khiển</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto">
<h1>Bảng điều khiển chưa được dựng</h1>
<p>Chạy <code>npm run build:web</code> (hoặc <code>npm start</code>, lệnh này tự dựng) rồi tải lại trang.
API quản trị vẫn chạy ở <code>/api/v1</code>.</p>
<p lang="en"><em>The console has not been built. Run <code>npm run build:web</code> (or <code>npm start</code>, which
builds it) and reload. The admin API is running at <code>/api/v1</code>.</em></p>
</body></html>`;

export function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('referrer-policy', 'same-origin')
    .header('x-frame-options', 'DENY')
    .header('cache-control', 'no-cache');
}

export async function consoleRoutes(app: FastifyInstance, distDir = CONSOLE_DIST_DIR): Promise<void> {
  const indexFile = join(distDir, 'index.html');
  // Read once: the build does not change under a running platform (a rebuild needs a restart, like the code).
  const indexHtml = existsSync(indexFile) ? readFileSync(indexFile) : null;

  const sendPage = (request: FastifyRequest, reply: FastifyReply) => {
    if (SERVER_PATHS.test(request.url))
      throw new LgspError('API_NOT_FOUND', `GET ${request.url.split('?')[0]}`);
    pageHeaders(reply).type('text/html; charset=utf-8');
    return reply.send(indexHtml ?? NOT_BUILT_PAGE);
  };

  const schema = { hide: true } as const;
  // Hashed file names (Vite): a file never changes under its name, so browsers keep it for a year.
  app.get<{ Params: { file: string } }>('/assets/:file', { schema }, (request, reply) => {
    const name = request.params.file;
    const type = CONTENT_TYPES[extname(name)];
    const path = join(distDir, 'assets', name);
    if (
      !/^[\w.-]+$/.test(name) ||
      name.startsWith('.') ||
      !type ||
      !existsSync(path) ||
      !statSync(path).isFile()
    ) {
      throw new LgspError('API_NOT_FOUND', `GET /assets/${name}`);
    }
    reply.header('cache-control', 'public, max-age=31536000, immutable').type(type);
    return reply.send(createReadStream(path));
  });
  app.get('/', { schema }, sendPage);
  app.get('/*', { schema }, sendPage);
}
