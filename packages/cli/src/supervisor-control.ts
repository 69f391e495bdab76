import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { applyChaos, type ChaosRequest } from './apply-chaos.js';
import { CliError } from './cli-error.js';
import type { Supervisor } from './supervisor.js';

/** What `flotilla start` writes so other commands can find it. */
export interface SupervisorFile {
  readonly pid: number;
  readonly url: string;
  readonly startedAt: string;
}

export function supervisorFilePath(cwd: string): string {
  return join(cwd, '.flotilla', 'supervisor.json');
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const problem = status >= 400;
  response.writeHead(status, { 'content-type': problem ? 'application/problem+json' : 'application/json' });
  response.end(JSON.stringify(body));
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of request) {
    text += chunk;
    if (text.length > 10_000) throw new CliError('request body too large');
  }
  return JSON.parse(text);
}

/** The control endpoint, listening; `serve` hands it the supervisor it answers for. */
export interface SupervisorControl {
  readonly url: string;
  serve(supervisor: Supervisor): void;
  close(): Promise<void>;
}

/**
 * The supervisor's local control endpoint: loopback HTTP on a free port, recorded in
 * `.flotilla/supervisor.json`. Two JSON routes for the CLI's own commands and the dashboard —
 * `GET /processes` and `POST /chaos` — so node:http is enough and `flotilla start` loads no web
 * framework. It listens before the supervisor exists, so that the control plane can be started with
 * its URL; until `serve`, it answers 503.
 */
export async function startSupervisorControl(cwd: string): Promise<SupervisorControl> {
  let supervisor: Supervisor | undefined;
  const server: Server = createServer((request, response) => {
    const route = `${request.method} ${request.url}`;
    if (!supervisor) {
      return send(response, 503, { title: 'Service Unavailable', status: 503, detail: 'starting' });
    }
    if (route === 'GET /processes') return send(response, 200, supervisor.instances);
    if (route !== 'POST /chaos')
      return send(response, 404, { title: 'Not Found', status: 404, detail: route });
    const target = supervisor;
    readJson(request).then(
      (body) => {
        try {
          send(response, 200, applyChaos(target, body as ChaosRequest));
        } catch (error) {
          send(response, 404, { title: 'Not Found', status: 404, detail: (error as Error).message });
        }
      },
      () => send(response, 400, { title: 'Bad Request', status: 400, detail: 'body must be JSON' }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  const file = supervisorFilePath(cwd);
  mkdirSync(join(cwd, '.flotilla'), { recursive: true });
  const record: SupervisorFile = { pid: process.pid, url, startedAt: new Date().toISOString() };
  writeFileSync(file, `${JSON.stringify(record)}\n`);
  return {
    url,
    serve: (served) => {
      supervisor = served;
    },
    close: async () => {
      // Only remove the file if it is still ours (another `start` may have replaced it).
      if (readSupervisorFile(cwd)?.pid === process.pid) rmSync(file, { force: true });
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export function readSupervisorFile(cwd: string): SupervisorFile | undefined {
  try {
    return JSON.parse(readFileSync(supervisorFilePath(cwd), 'utf8')) as SupervisorFile;
  } catch {
    return undefined;
  }
}

/** The running supervisor's control URL, or a one-line error saying there is none. */
export function runningSupervisorUrl(cwd: string): string {
  const record = readSupervisorFile(cwd);
  const alive = (() => {
    try {
      return record !== undefined && process.kill(record.pid, 0);
    } catch {
      return false;
    }
  })();
  if (!record || !alive) {
    throw new CliError(
      `no running \`flotilla start\` here (${supervisorFilePath(cwd)}); start the system first`,
    );
  }
  return record.url;
}
