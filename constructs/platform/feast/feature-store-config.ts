import { stringify } from 'yaml';

/** Environment variables Feast substitutes into feature_store.yaml (`os.path.expandvars`, Feast ≥ 0.34). */
export const CONFIG_ENV = {
  registryUser: 'FEAST_REGISTRY_USER',
  registryPassword: 'FEAST_REGISTRY_PASSWORD',
  redisPassword: 'FEAST_REDIS_PASSWORD',
} as const;

/** What feature_store.yaml points at. Credentials are never given: they are `$VARIABLES` the pods get from Secrets. */
export interface FeatureStoreConfigProps {
  readonly project: string;
  readonly databaseHost: string;
  readonly databasePort: number;
  readonly databaseName: string;
  readonly cacheHost: string;
  readonly cachePort: number;
}

/**
 * Renders feature_store.yaml: registry in PostgreSQL (SQL registry, TLS), online store in ElastiCache (TLS and
 * AUTH), offline store `dask` over files in S3. Variables are written `$NAME`, not `${NAME}`: Python's
 * expandvars takes both, and Terraform would read `${…}` in the release values as its own interpolation.
 */
export function renderFeatureStoreConfig(props: FeatureStoreConfigProps): string {
  const { registryUser, registryPassword, redisPassword } = CONFIG_ENV;
  return stringify(
    {
      project: props.project,
      provider: 'local',
      registry: {
        registry_type: 'sql',
        path: `postgresql+psycopg://$${registryUser}:$${registryPassword}@${props.databaseHost}:${props.databasePort}/${props.databaseName}?sslmode=require`,
        // Servers re-read the registry every minute: a `feast apply` reaches them without a restart.
        cache_ttl_seconds: 60,
        sqlalchemy_config_kwargs: { pool_pre_ping: true },
      },
      online_store: {
        type: 'redis',
        redis_type: 'redis',
        connection_string: `${props.cacheHost}:${props.cachePort},ssl=true,password=$${redisPassword}`,
      },
      // Reads FileSource parquet from s3:// with s3fs, i.e. boto's credential chain: IRSA works with no Spark,
      // Redshift or extra configuration (DuckDB's httpfs would need its own S3 secret).
      offline_store: { type: 'dask' },
      entity_key_serialization_version: 3,
    },
    { lineWidth: 0 },
  );
}
