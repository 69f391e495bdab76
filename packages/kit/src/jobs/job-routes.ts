import { Type } from '@sinclair/typebox';
import type { HttpServer } from '../http/index.js';
import type { JobRunner } from './job-runner.js';

/**
 * The jobs endpoints every service has: its jobs with their latest runs (the history the dashboard
 * shows), and "run now". Operational, like the events endpoints: left out of the OpenAPI document.
 */
export function registerJobRoutes(app: HttpServer, runner: JobRunner): void {
  app.get(
    '/jobs',
    {
      config: { untraced: true },
      schema: {
        hide: true,
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 20 })) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => ({ jobs: await runner.list(request.query.limit ?? 20) }),
  );

  app.post(
    '/jobs/:name/run',
    { schema: { hide: true, params: Type.Object({ name: Type.String() }) } },
    async (request, reply) => reply.code(202).send({ run: await runner.runNow(request.params.name) }),
  );
}
