import type { RenderedObject } from './render';
import { podSpecOf } from './workload-policy';

/**
 * Cross-object checks on everything one stack's releases render: what a pod or resource refers to exists,
 * network-policy flows lead to ports something listens on, and no two releases render the same object.
 */

/** A rendered object in place: its effective namespace ('' for cluster-scoped) and the release that renders it. */
export interface PlacedObject {
  readonly object: RenderedObject;
  readonly namespace: string;
  readonly release: string;
}

type Json = Record<string, unknown>;

/** `Kind namespace/name`, or `Kind name` for cluster-scoped objects. */
export function objectId(kind: string, namespace: string, name: string): string {
  return namespace ? `${kind} ${namespace}/${name}` : `${kind} ${name}`;
}

/** Objects that exist in every namespace, or that the cluster itself provides. */
const ALWAYS_PRESENT = [/^ConfigMap [^/]+\/kube-root-ca\.crt$/, /^ServiceAccount [^/]+\/default$/];

/**
 * Objects created at run time from rendered objects: the Secret of an ExternalSecret or a Certificate, the
 * Secrets and Services Strimzi makes for a Kafka cluster and its users, the Service KServe makes for an
 * InferenceService's predictor, and the Secret a `kube-webhook-certgen create` Job (an admission webhook's
 * certificate, made by a chart's hook) writes.
 */
export function createdAtRunTime(objects: PlacedObject[]): Set<string> {
  const created = new Set<string>();
  for (const { object, namespace } of objects) {
    const spec = (object.spec ?? {}) as Json;
    const name = object.metadata.name;
    switch (object.kind) {
      case 'ExternalSecret':
        created.add(objectId('Secret', namespace, String((spec.target as Json | undefined)?.name ?? name)));
        break;
      case 'Certificate':
        created.add(objectId('Secret', namespace, String(spec.secretName)));
        break;
      case 'KafkaUser':
        created.add(objectId('Secret', namespace, name));
        break;
      case 'InferenceService':
        created.add(objectId('Service', namespace, `${name}-predictor`));
        break;
      case 'Job':
        for (const container of (((spec.template as Json)?.spec as Json)?.containers ?? []) as Json[]) {
          const args = ((container.args ?? []) as string[]).map(String);
          const secret = args.find((a) => a.startsWith('--secret-name='));
          if (String(container.image).includes('kube-webhook-certgen') && args.includes('create') && secret) {
            created.add(objectId('Secret', namespace, secret.slice('--secret-name='.length)));
          }
        }
        break;
      case 'Kafka':
        for (const suffix of ['cluster-ca-cert', 'clients-ca-cert', 'kafka-bootstrap', 'kafka-brokers']) {
          created.add(objectId(suffix.startsWith('kafka-') ? 'Service' : 'Secret', namespace, `${name}-${suffix}`));
        }
        break;
    }
  }
  return created;
}

/** Each reference of `object` to another object, as the id of what must exist. */
export function referencesOf({ object, namespace }: PlacedObject): { to: string; where: string }[] {
  const refs: { to: string; where: string }[] = [];
  const add = (kind: string, ns: string, name: unknown, where: string) => {
    if (typeof name === 'string' && name) refs.push({ to: objectId(kind, ns, name), where });
  };
  const pod = podSpecOf(object);
  if (pod) {
    add('ServiceAccount', namespace, pod.serviceAccountName ?? 'default', 'serviceAccountName');
    for (const volume of (pod.volumes ?? []) as Json[]) {
      const secret = volume.secret as Json | undefined;
      if (secret && !secret.optional) add('Secret', namespace, secret.secretName, `volume ${String(volume.name)}`);
      const configMap = volume.configMap as Json | undefined;
      if (configMap && !configMap.optional) add('ConfigMap', namespace, configMap.name, `volume ${String(volume.name)}`);
      const claim = volume.persistentVolumeClaim as Json | undefined;
      if (claim) add('PersistentVolumeClaim', namespace, claim.claimName, `volume ${String(volume.name)}`);
      for (const source of ((volume.projected as Json | undefined)?.sources ?? []) as Json[]) {
        if (source.secret && !(source.secret as Json).optional)
          add('Secret', namespace, (source.secret as Json).name, `volume ${String(volume.name)}`);
        if (source.configMap && !(source.configMap as Json).optional)
          add('ConfigMap', namespace, (source.configMap as Json).name, `volume ${String(volume.name)}`);
      }
    }
    for (const container of [...((pod.initContainers ?? []) as Json[]), ...((pod.containers ?? []) as Json[])]) {
      const where = `container ${String(container.name)}`;
      for (const env of (container.env ?? []) as Json[]) {
        const from = env.valueFrom as Json | undefined;
        const secret = from?.secretKeyRef as Json | undefined;
        if (secret && !secret.optional) add('Secret', namespace, secret.name, `${where} env ${String(env.name)}`);
        const configMap = from?.configMapKeyRef as Json | undefined;
        if (configMap && !configMap.optional) add('ConfigMap', namespace, configMap.name, `${where} env ${String(env.name)}`);
      }
      for (const source of (container.envFrom ?? []) as Json[]) {
        const secret = source.secretRef as Json | undefined;
        if (secret && !secret.optional) add('Secret', namespace, secret.name, `${where} envFrom`);
        const configMap = source.configMapRef as Json | undefined;
        if (configMap && !configMap.optional) add('ConfigMap', namespace, configMap.name, `${where} envFrom`);
      }
    }
    for (const pull of (pod.imagePullSecrets ?? []) as Json[]) add('Secret', namespace, pull.name, 'imagePullSecrets');
  }
  if (object.kind === 'RoleBinding' || object.kind === 'ClusterRoleBinding') {
    for (const subject of ((object.subjects ?? []) as Json[]).filter((s) => s.kind === 'ServiceAccount')) {
      add('ServiceAccount', String(subject.namespace ?? namespace), subject.name, 'subject');
    }
    const role = object.roleRef as Json;
    add(String(role.kind), role.kind === 'ClusterRole' ? '' : namespace, role.name, 'roleRef');
  }
  if (object.kind === 'Ingress') {
    const spec = object.spec as Json;
    for (const rule of (spec.rules ?? []) as Json[]) {
      for (const path of ((rule.http as Json | undefined)?.paths ?? []) as Json[]) {
        add(
          'Service',
          namespace,
          ((path.backend as Json).service as Json | undefined)?.name,
          `rule ${String(rule.host ?? '*')}${String(path.path ?? '')}`,
        );
      }
    }
  }
  for (const [store, where] of externalSecretStores(object)) {
    add(String(store.kind ?? 'SecretStore'), store.kind === 'ClusterSecretStore' ? '' : namespace, store.name, where);
  }
  if (object.kind === 'ValidatingWebhookConfiguration' || object.kind === 'MutatingWebhookConfiguration') {
    for (const webhook of (object.webhooks ?? []) as Json[]) {
      const service = (webhook.clientConfig as Json | undefined)?.service as Json | undefined;
      if (service) add('Service', String(service.namespace), service.name, `webhook ${String(webhook.name)}`);
    }
  }
  return refs;
}

/** The references of every object that point at nothing rendered, created at run time or always present. */
export function danglingReferences(objects: PlacedObject[]): string[] {
  const exists = new Set(objects.map((o) => objectId(o.object.kind, o.namespace, o.object.metadata.name)));
  for (const id of createdAtRunTime(objects)) exists.add(id);
  // A StatefulSet's claims come from its volumeClaimTemplates.
  for (const { object, namespace } of objects) {
    if (object.kind !== 'StatefulSet') continue;
    for (const template of ((object.spec as Json).volumeClaimTemplates ?? []) as { metadata: { name: string } }[]) {
      exists.add(objectId('PersistentVolumeClaim', namespace, template.metadata.name));
    }
  }
  return objects.flatMap((placed) =>
    referencesOf(placed)
      .filter((ref) => !exists.has(ref.to) && !ALWAYS_PRESENT.some((re) => re.test(ref.to)))
      .filter((ref) => !(placed.object.kind === 'StatefulSet' && ref.to.startsWith('PersistentVolumeClaim ')))
      .map(
        (ref) =>
          `${placed.release}: ${objectId(placed.object.kind, placed.namespace, placed.object.metadata.name)} ${ref.where} → ${ref.to} does not exist`,
      ),
  );
}

/**
 * ExternalSecrets whose ClusterSecretStore does not serve their namespace: a store's `conditions` list the
 * namespaces it serves (a store without conditions serves every namespace, which the platform never wants).
 */
export function unservedExternalSecrets(objects: PlacedObject[]): string[] {
  const stores = new Map(objects.filter((o) => o.object.kind === 'ClusterSecretStore').map((o) => [o.object.metadata.name, o.object]));
  return objects.flatMap(({ object, namespace, release }) =>
    externalSecretStores(object).flatMap(([ref]) => {
      const store = ref.kind === 'ClusterSecretStore' ? stores.get(String(ref.name)) : undefined;
      if (!store) return [];
      const conditions = ((store.spec as Json).conditions ?? []) as { namespaces?: string[] }[];
      if (conditions.length === 0) return [`ClusterSecretStore ${store.metadata.name} serves every namespace: give it conditions`];
      return conditions.some((c) => c.namespaces?.includes(namespace))
        ? []
        : [
            `${release}: ExternalSecret ${namespace}/${object.metadata.name}: ClusterSecretStore ${store.metadata.name} does not serve ${namespace}`,
          ];
    }),
  );
}

/** The stores an ExternalSecret reads: its own, and those its data entries name (`sourceRef.storeRef`). */
function externalSecretStores(object: RenderedObject): [Json, string][] {
  if (object.kind !== 'ExternalSecret') return [];
  const spec = (object.spec ?? {}) as Json;
  const own = spec.secretStoreRef as Json | undefined;
  const entries = ((spec.data ?? []) as Json[]).flatMap((entry) => {
    const store = (entry.sourceRef as Json | undefined)?.storeRef as Json | undefined;
    return store ? [[store, `data ${String(entry.secretKey)}`] as [Json, string]] : [];
  });
  return [...(own ? [[own, 'secretStoreRef'] as [Json, string]] : []), ...entries];
}

/** Objects that two releases (or one release twice) render. */
export function duplicateObjects(objects: PlacedObject[]): string[] {
  const seen = new Map<string, string>();
  const duplicates: string[] = [];
  for (const { object, namespace, release } of objects) {
    const id = objectId(object.kind, namespace, object.metadata.name);
    const first = seen.get(id);
    if (first !== undefined) duplicates.push(`${id} is rendered by ${first} and ${release}`);
    else seen.set(id, release);
  }
  return duplicates;
}

/**
 * The ports pods listen on, per namespace: container ports and Service ports of rendered objects, plus the
 * ports of pods that controllers create from custom resources (Kafka brokers' listeners, model servers).
 */
export function listeningPorts(objects: PlacedObject[]): Map<string, Set<number | string>> {
  const ports = new Map<string, Set<number | string>>();
  const add = (namespace: string, port: unknown) => {
    if (port === undefined) return;
    if (!ports.has(namespace)) ports.set(namespace, new Set());
    ports.get(namespace)!.add(port as number | string);
  };
  for (const { object, namespace } of objects) {
    const pod = podSpecOf(object);
    for (const container of [...((pod?.initContainers ?? []) as Json[]), ...((pod?.containers ?? []) as Json[])]) {
      for (const p of (container.ports ?? []) as Json[]) {
        add(namespace, p.containerPort);
        add(namespace, p.name);
      }
    }
    if (object.kind === 'Service') for (const p of ((object.spec as Json).ports ?? []) as Json[]) add(namespace, p.targetPort ?? p.port);
    if (object.kind === 'Kafka') {
      for (const listener of (((object.spec as Json).kafka as Json).listeners ?? []) as Json[]) add(namespace, listener.port);
    }
    // KServe's model servers listen on 8080 (the predictor's default container port).
    if (object.kind === 'InferenceService') add(namespace, 8080);
  }
  return ports;
}

/**
 * Network-policy rules whose ports nothing listens on: an ingress rule's ports must be open in the
 * policy's namespace, an egress rule's in every platform namespace its peers select by name.
 */
export function unreachableFlows(objects: PlacedObject[], platformNamespaces: ReadonlySet<string>): string[] {
  const ports = listeningPorts(objects);
  const problems: string[] = [];
  for (const { object, namespace, release } of objects) {
    if (object.kind !== 'NetworkPolicy') continue;
    const spec = object.spec as { ingress?: Json[]; egress?: Json[] };
    const check = (rule: Json, target: string, direction: string) => {
      for (const p of (rule.ports ?? []) as Json[]) {
        if (p.port !== undefined && !ports.get(target)?.has(p.port as number | string)) {
          problems.push(
            `${release}: NetworkPolicy ${namespace}/${object.metadata.name} ${direction} port ${String(p.port)}: nothing in ${target} listens on it`,
          );
        }
      }
    };
    for (const rule of spec.ingress ?? []) check(rule, namespace, 'ingress');
    for (const rule of spec.egress ?? []) {
      for (const peer of (rule.to ?? []) as Json[]) {
        const name = ((peer.namespaceSelector as Json | undefined)?.matchLabels as Record<string, string> | undefined)?.[
          'kubernetes.io/metadata.name'
        ];
        // Only flows between the platform's own namespaces: DNS in kube-system and addresses outside are not rendered here.
        if (name && platformNamespaces.has(name)) check(rule, name, `egress to ${name}`);
      }
    }
  }
  return problems;
}
