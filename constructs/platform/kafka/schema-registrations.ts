import { Construct } from 'constructs';
import { ManifestsRelease } from '../../helm/manifests-release';
import { contentDigest, type KubernetesObject, type Placement } from '../../kubernetes/objects';
import { scriptJob } from '../../kubernetes/script-job';
import type { SchemaCompatibility, SchemaVersion } from './schema-files';
import type { SchemaRegistry } from './schema-registry';

/** One subject to register: its compatibility and its versions, oldest first. */
export interface SubjectSchemas {
  readonly compatibility: SchemaCompatibility;
  readonly versions: readonly SchemaVersion[];
}

/** Props of {@link SchemaRegistrations}. */
export interface SchemaRegistrationsProps {
  /** The registry, with its `admin` login. */
  readonly registry: Pick<SchemaRegistry, 'url' | 'namespace' | 'loginSecretNames' | 'release'>;
  /** By subject name. */
  readonly subjects: Readonly<Record<string, SubjectSchemas>>;
  /** Node pool of the Job (the `general` pool). */
  readonly placement: Placement;
  /** @default 'python:3.13-alpine' (the standard library's HTTP client is all it needs) */
  readonly image?: string;
}

/** Sets each subject's compatibility, then registers its versions in order; re-registering one is a no-op. */
const REGISTER = `
import base64, json, os, sys, urllib.request
url = os.environ["REGISTRY_URL"]
auth = base64.b64encode(f'{os.environ["REGISTRY_USER"]}:{os.environ["REGISTRY_PASSWORD"]}'.encode()).decode()
def call(method, path, body):
    request = urllib.request.Request(url + path, data=json.dumps(body).encode(), method=method, headers={
        "Authorization": "Basic " + auth, "Content-Type": "application/vnd.schemaregistry.v1+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)
subjects = json.load(open("/etc/schemas/subjects.json"))
for subject, spec in subjects.items():
    call("PUT", f"/config/{subject}", {"compatibility": spec["compatibility"]})
    for file in spec["files"]:
        schema = open(f"/etc/schemas/{file}").read()
        registered = call("POST", f"/subjects/{subject}/versions", {"schema": schema, "schemaType": "AVRO"})
        print(f"{subject}: {file} has id {registered['id']}", flush=True)
`;

/**
 * Registers topics' value schemas in the schema registry at deploy: a Job (named after the schemas' digest, so
 * a changed schema runs a new one) sets each subject's compatibility and registers its versions in order, as
 * the registry's `admin`. The registry refuses a version that breaks the compatibility, failing the deploy;
 * the environment's loader has already checked the same offline.
 */
export class SchemaRegistrations extends Construct {
  readonly release: ManifestsRelease;
  readonly jobName: string;

  constructor(scope: Construct, id: string, props: SchemaRegistrationsProps) {
    super(scope, id);
    const subjects = Object.entries(props.subjects);
    if (subjects.length === 0) throw new Error(`${this.node.path}: subjects is empty; leave the registrations out instead`);
    const { registry } = props;
    const admin = registry.loginSecretNames.admin;
    if (!admin) throw new Error(`${this.node.path}: the registry has no admin login`);
    // ConfigMap keys cannot hold '/': `<topic>/<n>.avsc` becomes `<topic>__<n>.avsc`.
    const key = (file: string) => file.replace(/\//g, '__');
    const data: Record<string, string> = {
      'subjects.json': JSON.stringify(
        Object.fromEntries(
          subjects.map(([subject, s]) => [subject, { compatibility: s.compatibility, files: s.versions.map((v) => key(v.file)) }]),
        ),
        null,
        2,
      ),
      ...Object.fromEntries(subjects.flatMap(([, s]) => s.versions.map((v) => [key(v.file), v.text]))),
    };
    this.jobName = `schema-registrations-${contentDigest(data).slice(0, 12)}`;
    const name = 'schema-registrations';
    const namespace = registry.namespace;
    const manifests: KubernetesObject[] = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data },
      scriptJob({
        name: this.jobName,
        namespace,
        placement: props.placement,
        script: REGISTER,
        image: props.image,
        env: [
          { name: 'REGISTRY_URL', value: registry.url },
          { name: 'REGISTRY_USER', valueFrom: { secretKeyRef: { name: admin, key: 'username' } } },
          { name: 'REGISTRY_PASSWORD', valueFrom: { secretKeyRef: { name: admin, key: 'password' } } },
        ],
        mounts: [{ path: '/etc/schemas', volume: { configMap: { name } } }],
      }),
    ];
    this.release = new ManifestsRelease(this, 'Release', {
      releaseName: name,
      namespace,
      manifests,
      waitForJobs: true,
      dependsOn: [registry.release.helmRelease.release],
    });
  }
}
