import { formatGoDuration } from '../registry/go-duration.js';
import type { CheckState, ServiceCatalog, ServiceRecord } from '../registry/service-catalog.js';

/** The single node this registry plays: Consul's responses always name one. */
export interface NodeInfo {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  readonly datacenter: string;
}

const WEIGHTS = { Passing: 1, Warning: 1 };

/** `GET /v1/agent/services` entry (Consul's `api.AgentService`). */
export function agentServiceView(record: ServiceRecord, node: NodeInfo) {
  const service = record.definition;
  return {
    ID: service.id,
    Service: service.name,
    Tags: service.tags,
    Meta: service.meta,
    Port: service.port,
    Address: service.address,
    TaggedAddresses: {},
    Weights: WEIGHTS,
    EnableTagOverride: service.enableTagOverride,
    Datacenter: node.datacenter,
  };
}

/** A check as `/v1/health/*` and `/v1/agent/checks` show it (Consul's `api.HealthCheck`). */
export function checkView(state: CheckState, record: ServiceRecord | undefined, node: NodeInfo) {
  const check = state.definition;
  return {
    Node: node.name,
    CheckID: check.checkId,
    Name: check.name,
    Status: state.status,
    Notes: check.notes,
    Output: state.output,
    ServiceID: check.serviceId,
    ServiceName: record?.definition.name ?? '',
    ServiceTags: record?.definition.tags ?? [],
    Type: check.kind,
    Definition:
      check.kind === 'http'
        ? {
            HTTP: check.http,
            Method: check.method,
            Header: check.header,
            Interval: formatGoDuration(check.intervalMs),
            Timeout: formatGoDuration(check.timeoutMs),
            ...(check.deregisterAfterMs === undefined
              ? {}
              : { DeregisterCriticalServiceAfter: formatGoDuration(check.deregisterAfterMs) }),
          }
        : {
            TTL: formatGoDuration(check.ttlMs),
            ...(check.deregisterAfterMs === undefined
              ? {}
              : { DeregisterCriticalServiceAfter: formatGoDuration(check.deregisterAfterMs) }),
          },
    CreateIndex: state.createIndex,
    ModifyIndex: state.modifyIndex,
  };
}

/** The node's own `serfHealth` check: Consul includes it in every health entry. */
function serfHealthView(node: NodeInfo) {
  return {
    Node: node.name,
    CheckID: 'serfHealth',
    Name: 'Serf Health Status',
    Status: 'passing',
    Notes: '',
    Output: 'Agent alive and reachable',
    ServiceID: '',
    ServiceName: '',
    ServiceTags: [],
    Type: '',
    Definition: {},
    CreateIndex: 1,
    ModifyIndex: 1,
  };
}

function nodeView(node: NodeInfo) {
  return {
    ID: node.id,
    Node: node.name,
    Address: node.address,
    Datacenter: node.datacenter,
    TaggedAddresses: { lan: node.address, wan: node.address },
    Meta: {},
    CreateIndex: 1,
    ModifyIndex: 1,
  };
}

/** `GET /v1/health/service/:name` entry (Consul's `api.ServiceEntry`). */
export function healthEntryView(record: ServiceRecord, catalog: ServiceCatalog, node: NodeInfo) {
  const service = record.definition;
  return {
    Node: nodeView(node),
    Service: {
      ID: service.id,
      Service: service.name,
      Tags: service.tags,
      Address: service.address,
      TaggedAddresses: {},
      Meta: service.meta,
      Port: service.port,
      Weights: WEIGHTS,
      EnableTagOverride: service.enableTagOverride,
      CreateIndex: record.createIndex,
      ModifyIndex: record.modifyIndex,
    },
    Checks: [
      serfHealthView(node),
      ...catalog.checksOf(record).map((state) => checkView(state, record, node)),
    ],
  };
}

/** `GET /v1/catalog/service/:name` entry (Consul's `api.CatalogService`). */
export function catalogServiceView(record: ServiceRecord, node: NodeInfo) {
  const service = record.definition;
  return {
    ID: node.id,
    Node: node.name,
    Address: node.address,
    Datacenter: node.datacenter,
    TaggedAddresses: { lan: node.address, wan: node.address },
    NodeMeta: {},
    ServiceID: service.id,
    ServiceName: service.name,
    ServiceTags: service.tags,
    ServiceAddress: service.address,
    ServiceTaggedAddresses: {},
    ServiceWeights: WEIGHTS,
    ServiceMeta: service.meta,
    ServicePort: service.port,
    ServiceEnableTagOverride: service.enableTagOverride,
    CreateIndex: record.createIndex,
    ModifyIndex: record.modifyIndex,
  };
}
