import { describe, expect, it } from 'vitest';
import {
  danglingReferences,
  duplicateObjects,
  unreachableFlows,
  unservedExternalSecrets,
  type PlacedObject,
} from '../../scripts/render/references';
import { imageReferences, unmirroredImages } from '../../scripts/render/images';
import { placeholderOutput } from '../../scripts/render/releases';
import { parseManifests, type RenderedObject } from '../../scripts/render/render';
import { Schemas } from '../../scripts/render/schemas';
import { availabilityViolations, containerViolations, imageIsPinned, workloads } from '../../scripts/render/workload-policy';

// The render tier's checks on small objects: each must notice what it is there for.

const crd: RenderedObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.org' },
  spec: {
    group: 'example.org',
    scope: 'Namespaced',
    names: { kind: 'Widget', plural: 'widgets' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            required: ['spec'],
            properties: {
              spec: {
                type: 'object',
                properties: {
                  size: { type: 'string', enum: ['small', 'large'] },
                  port: { 'x-kubernetes-int-or-string': true },
                  extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                },
              },
            },
          },
        },
      },
    ],
  },
};
const schemas = new Schemas('1.35', [crd]);

function deployment(container: Record<string, unknown>, pod: Record<string, unknown> = {}, replicas = 1): RenderedObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'app', namespace: 'ns' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'app' } },
      template: {
        metadata: { labels: { app: 'app' } },
        spec: { containers: [{ name: 'app', image: 'example/app:1.0', ...container }], ...pod },
      },
    },
  };
}

const compliant = {
  resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } },
  livenessProbe: { httpGet: { path: '/', port: 8080 } },
  readinessProbe: { httpGet: { path: '/', port: 8080 } },
  ports: [{ containerPort: 8080 }],
  securityContext: {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  },
};

describe('schema validation', () => {
  it('accepts a valid built-in object, with quantities as numbers and nulls dropped as the API server does', () => {
    expect(schemas.validate(deployment({ ...compliant, resources: { requests: { cpu: 1, memory: '16Mi' } }, env: null }))).toEqual([]);
  });

  it('rejects unknown fields, wrong types and missing required fields of built-in kinds', () => {
    const problems = schemas.validate(
      deployment({ imagePullPolicy: 3, livenessProbe: { httpGett: {} } }, { containers: [{ image: 'x:1' }] }),
    );
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/\.spec\.template\.spec\.containers\[0\]\.name: required/)]));
    expect(schemas.validate(deployment({ imagePullPolicy: 3, livenessProbe: { httpGett: {} } }))).toEqual([
      '.spec.template.spec.containers[0].imagePullPolicy: must be string (got number 3)',
      '.spec.template.spec.containers[0].livenessProbe.httpGett: unknown field',
    ]);
    expect(schemas.validate({ ...deployment({}), metadata: { name: 'app', labelz: {} } } as RenderedObject)).toEqual([
      '.metadata.labelz: unknown field',
    ]);
  });

  it('validates custom resources against their CRD: unknown fields, enums, int-or-string, preserved fields', () => {
    const widget = (spec: Record<string, unknown>) =>
      ({ apiVersion: 'example.org/v1', kind: 'Widget', metadata: { name: 'w' }, spec }) as RenderedObject;
    expect(schemas.validate(widget({ size: 'small', port: 'http', extra: { anything: [1] } }))).toEqual([]);
    expect(schemas.validate(widget({ size: 'medium', port: true, colour: 'red' }))).toEqual([
      '.spec.size: must be one of "small", "large" (got "medium")',
      '.spec.port: must be an integer or a string (got boolean true)',
      '.spec.colour: unknown field',
    ]);
    expect(schemas.validate({ apiVersion: 'example.org/v1', kind: 'Widget', metadata: { name: 'w' } } as RenderedObject)).toEqual([
      '.spec: required',
    ]);
  });

  it('knows no schema for a kind neither Kubernetes nor a rendered CRD defines', () => {
    expect(schemas.validate({ apiVersion: 'example.org/v2', kind: 'Widget', metadata: { name: 'w' } })).toEqual([
      'no schema for example.org/v2/Widget',
    ]);
    expect(schemas.isNamespaced({ apiVersion: 'v1', kind: 'Pod' })).toBe(true);
    expect(schemas.isNamespaced({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole' })).toBe(false);
  });

  it('reads Helm output as Helm installs it: empty documents dropped, Lists flattened', () => {
    const objects = parseManifests(
      '---\n# empty\n---\napiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n',
    );
    expect(objects.map((o) => o.metadata.name)).toEqual(['a']);
  });
});

describe('workload policy', () => {
  const workloadOf = (object: RenderedObject) => workloads([object], () => 'ns')[0];

  it('passes a compliant workload', () => {
    expect(containerViolations(workloadOf(deployment(compliant)), 'restricted')).toEqual([]);
  });

  it('finds each rule a container breaks', () => {
    const bad = deployment(
      { image: 'example/app:latest', securityContext: { privileged: true } },
      { hostNetwork: true, volumes: [{ name: 'h', hostPath: { path: '/' } }] },
    );
    const rules = containerViolations(workloadOf(bad), 'restricted').map((v) => `${v.rule}: ${v.message}`);
    expect(rules).toEqual(
      expect.arrayContaining([
        'pod-security: uses host namespaces',
        'pod-security: volume h is a hostPath',
        'pod-security: is privileged',
        'pod-security: runAsNonRoot is not true',
        'pod-security: does not drop ALL capabilities',
        'resources: needs requests.cpu, requests.memory and limits.memory',
        'image-tag: image example/app:latest is not pinned to a tag or digest',
        'read-only-root: root filesystem is writable',
        'probes: lacks a liveness and a readiness probe',
      ]),
    );
    expect(containerViolations(workloadOf(bad), 'privileged').some((v) => v.rule === 'pod-security')).toBe(false);
  });

  it("counts a namespace's LimitRange defaults as a container's resources", () => {
    const sized = deployment({ ...compliant, resources: undefined });
    expect(containerViolations(workloadOf(sized), 'restricted').map((v) => v.rule)).toEqual(['resources']);
    const defaults = { defaultRequest: { cpu: '50m', memory: '64Mi' }, default: { memory: '128Mi' } };
    expect(containerViolations(workloadOf(sized), 'restricted', defaults)).toEqual([]);
  });

  it('tells pinned images from floating ones', () => {
    expect(['a/b:1.2', 'registry:5000/a/b:v1', `a/b@sha256:${'0'.repeat(64)}`].every(imageIsPinned)).toBe(true);
    expect(['a/b', 'a/b:latest', 'registry:5000/a/b'].some(imageIsPinned)).toBe(false);
  });

  it('wants two replicas, a budget that selects them and zone spread', () => {
    const single = workloadOf(deployment(compliant));
    expect(availabilityViolations(single, []).map((v) => v.rule)).toEqual(['replicas', 'disruption-budget', 'zone-spread']);
    const spread = {
      topologySpreadConstraints: [{ topologyKey: 'topology.kubernetes.io/zone', maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway' }],
    };
    const ha = workloadOf(deployment(compliant, spread, 2));
    const budget = (labels: Record<string, string>) => ({
      object: {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'b' },
        spec: { selector: { matchLabels: labels } },
      },
      namespace: 'ns',
    });
    expect(availabilityViolations(ha, [budget({ app: 'app' })])).toEqual([]);
    expect(availabilityViolations(ha, [budget({ app: 'other' })]).map((v) => v.rule)).toEqual(['disruption-budget']);
  });
});

describe('cross-object checks', () => {
  const place = (object: RenderedObject, release = 'r'): PlacedObject => ({
    object,
    namespace: object.metadata.namespace ?? 'ns',
    release,
  });

  it('finds a reference to nothing, but not to what a controller creates', () => {
    const pod = deployment({ env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'creds', key: 'k' } } }] });
    expect(danglingReferences([place(pod)])).toEqual(['r: Deployment ns/app container app env A → Secret ns/creds does not exist']);
    const externalSecret = {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'creds', namespace: 'ns' },
      spec: {},
    };
    expect(danglingReferences([place(pod), place(externalSecret)])).toEqual([]);
  });

  it('finds an ExternalSecret whose ClusterSecretStore does not serve its namespace, and a store that serves all', () => {
    const store = (conditions?: unknown) => ({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      metadata: { name: 'sm' },
      spec: conditions ? { conditions } : {},
    });
    const secret = (namespace: string) => ({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 's', namespace },
      spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'sm' } },
    });
    const scoped = store([{ namespaces: ['ns'] }]);
    expect(unservedExternalSecrets([place(scoped), place(secret('ns'))])).toEqual([]);
    expect(unservedExternalSecrets([place(scoped), place(secret('other'))])).toEqual([
      'r: ExternalSecret other/s: ClusterSecretStore sm does not serve other',
    ]);
    expect(unservedExternalSecrets([place(store()), place(secret('ns'))])).toEqual([
      'ClusterSecretStore sm serves every namespace: give it conditions',
    ]);
  });

  it('finds an object two releases render', () => {
    const map = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm', namespace: 'ns' } };
    expect(duplicateObjects([place(map, 'one'), place(map, 'two')])).toEqual(['ConfigMap ns/m is rendered by one and two']);
  });

  it('finds a flow to a port nothing listens on', () => {
    const policy = (port: number) => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'p', namespace: 'client' },
      spec: {
        podSelector: {},
        egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ns' } } }], ports: [{ port }] }],
      },
    });
    const server = place(deployment(compliant));
    expect(unreachableFlows([server, place(policy(8080))], new Set(['ns', 'client']))).toEqual([]);
    expect(unreachableFlows([server, place(policy(9090))], new Set(['ns', 'client']))).toEqual([
      'r: NetworkPolicy client/p egress to ns port 9090: nothing in ns listens on it',
    ]);
  });
});

describe('placeholders for other stacks’ outputs', () => {
  it('look like what they stand for', () => {
    expect(placeholderOutput('cross-stack-output-aws_iam_roleAirflowIdentity_Role_8EB5DE8Farn', 'eu-west-1')).toBe(
      'arn:aws:iam::123456789012:role/placeholder-airflow-identity-role',
    );
    expect(placeholderOutput('cross-stack-output-aws_s3_bucketDatasetsBucket_68508C7Ebucket', 'eu-west-1')).toBe(
      'placeholder-datasets-bucket',
    );
    expect(placeholderOutput('cross-stack-output-aws_vpcNetwork_Vpc_FAC8F4A5id', 'eu-west-1')).toMatch(/^vpc-[0-9a-f]{17}$/);
  });
});

describe('images pulled around the pull-through cache', () => {
  const mirror = '111111111111.dkr.ecr.eu-west-1.amazonaws.com/mlops-dev';
  const objects: RenderedObject[] = [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'operator' },
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'operator',
                image: `${mirror}/quay/strimzi/operator:1.2.0`,
                env: [{ name: 'STRIMZI_KAFKA_IMAGES', value: '4.3.1=quay.io/strimzi/kafka:1.2.0-kafka-4.3.1\n' }],
                args: ['--sidecar-image=ghcr.io/example/sidecar:v1', 'see https://quay.io/repository/strimzi'],
              },
            ],
            initContainers: [{ name: 'wait', image: 'busybox:1.38.0' }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config' },
      data: { storageInitializer: '{ "image" : "kserve/storage-initializer:v0.20.0" }', dashboard: 'grafana.com/dashboards' },
    },
  ];

  it('finds image fields, tagged references with a registry in any string and images in JSON', () => {
    expect(imageReferences(objects).sort()).toEqual(
      [
        `${mirror}/quay/strimzi/operator:1.2.0`,
        'busybox:1.38.0',
        'ghcr.io/example/sidecar:v1',
        'kserve/storage-initializer:v0.20.0',
        'quay.io/strimzi/kafka:1.2.0-kafka-4.3.1',
      ].sort(),
    );
  });

  it('reports only images of the mirrored registries not taken through the mirror', () => {
    expect(unmirroredImages(objects, ['quay.io']).sort()).toEqual(['quay.io/strimzi/kafka:1.2.0-kafka-4.3.1']);
    expect(unmirroredImages(objects, ['docker.io', 'ghcr.io']).sort()).toEqual(
      ['busybox:1.38.0', 'ghcr.io/example/sidecar:v1', 'kserve/storage-initializer:v0.20.0'].sort(),
    );
    expect(unmirroredImages(objects, [])).toEqual([]);
  });
});
