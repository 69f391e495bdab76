import type { HttpServer } from '@flotilla/kit/http';
import type { JobRun, JobStatus } from '@flotilla/kit/jobs';
import { Type } from '@sinclair/typebox';
import { askEachService } from './ask-each-service.js';
import { type CallOptions, callInstance } from './call-instance.js';
import type { ServiceView } from './dashboard-options.js';
import { pickInstance } from './pick-instance.js';

/** The jobs of one service with their latest runs, as one of its instances serves them. */
export interface ServiceJobs {
  readonly service: string;
  readonly instance: string;
  readonly jobs: readonly JobStatus[];
}

/** `GET /api/jobs`: every service that has jobs, and the services that could not be asked. */
export interface JobsOverview {
  readonly services: readonly ServiceJobs[];
  readonly unavailable: readonly { readonly service: string; readonly error: string }[];
}

export interface JobsRoutesOptions {
  listServices(): Promise<readonly ServiceView[]>;
  readonly gatewayName: string;
  readonly call: Omit<CallOptions, 'service' | 'method'>;
}

const RunParams = Type.Object({
  service: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$' }),
  name: Type.String({ pattern: '^[\\w.:-]{1,100}$' }),
});

/** Runs kept per job in the overview: enough to see a pattern, small enough to poll. */
const HISTORY = 10;

/**
 * The jobs panel's data: each service's `GET /jobs` and `POST /jobs/{name}/run`, asked of one passing
 * instance (the runs live in the service's database, so any instance has the whole history). These
 * endpoints are operational and not routed by the gateway, so the control plane calls instances as
 * it does for dead letters.
 */
export function registerJobsRoutes(app: HttpServer, options: JobsRoutesOptions): void {
  app.get('/api/jobs', { schema: { hide: true } }, async (_request, reply): Promise<JobsOverview> => {
    const asked = (await options.listServices()).filter((service) => service.name !== options.gatewayName);
    const services: ServiceJobs[] = [];
    const unavailable: { service: string; error: string }[] = [];
    // A process without the kit's jobs endpoints has no jobs to show: it is not among the answers.
    for (const answer of await askEachService(asked, `/jobs?limit=${HISTORY}`, options.call)) {
      if ('error' in answer) {
        unavailable.push(answer);
        continue;
      }
      const jobs = (answer.body as { jobs?: JobStatus[] } | undefined)?.jobs ?? [];
      if (jobs.length > 0) services.push({ service: answer.service, instance: answer.instance, jobs });
    }
    reply.header('cache-control', 'no-store');
    const byName = (a: { service: string }, b: { service: string }) => a.service.localeCompare(b.service);
    return { services: services.sort(byName), unavailable: unavailable.sort(byName) };
  });

  app.post(
    '/api/services/:service/jobs/:name/run',
    { schema: { hide: true, params: RunParams } },
    async (request, reply) => {
      const { service, name } = request.params;
      const instance = pickInstance(await options.listServices(), service);
      const path = `/jobs/${encodeURIComponent(name)}/run`;
      const answer = await callInstance(instance, path, { ...options.call, service, method: 'POST' });
      const { run } = answer.body as { run: JobRun };
      return reply.code(202).send({ service, instance: instance.id, run });
    },
  );
}
