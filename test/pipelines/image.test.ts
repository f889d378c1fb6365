import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FeatureStore } from '../../constructs/platform/feast';
import { S3A_JARS_DIR, SPARK_UID } from '../../constructs/platform/spark';
import { AWS_SDK_BUNDLE_VERSION, HADOOP_VERSION, SPARK_VERSION } from '../../constructs/platform/spark/versions';
import { PIPELINE_HOME } from '../../stacks/platform/pipeline-workloads';

// The pipeline image cannot be built here (no container engine): what it must share with the platform is checked
// instead, so a version bump on one side fails until the other follows. That its Python libraries are those the
// tests run on is pipelines/tests/test_image_pins.py's check.
const dockerfile = readFileSync('pipelines/Dockerfile', 'utf8');
const pom = readFileSync('pipelines/image/pom.xml', 'utf8');
/** `name==version` lines of a requirements file, by name without extras. */
const pins = (text: string) => Object.fromEntries([...text.matchAll(/^([\w.-]+)(?:\[[\w,]+\])?==(\S+)$/gm)].map((m) => [m[1], m[2]]));

describe('pipeline image', () => {
  it("builds on the platform's Spark, S3A jars, job user and paths", () => {
    expect(dockerfile).toContain(`ARG SPARK_VERSION=${SPARK_VERSION}\n`);
    expect(pom).toContain(`<spark.version>${SPARK_VERSION}</spark.version>`);
    expect(pom).toContain(`<hadoop.version>${HADOOP_VERSION}</hadoop.version>`);
    expect(pom).toContain(`<aws.sdk.bundle.version>${AWS_SDK_BUNDLE_VERSION}</aws.sdk.bundle.version>`);
    expect(dockerfile).toContain(`mv "$jar" ${S3A_JARS_DIR}/`);
    expect(dockerfile).toMatch(new RegExp(`^USER ${SPARK_UID}$`, 'm'));
    expect(dockerfile).toMatch(new RegExp(`^COPY pipelines ${PIPELINE_HOME}$`, 'm'));
    expect(dockerfile).toMatch(new RegExp(`^WORKDIR ${PIPELINE_HOME}$`, 'm'));
  });

  it("applies feature views with the feature server's own Feast version", () => {
    const feast = pins(readFileSync('pipelines/requirements.txt', 'utf8')).feast;
    expect(FeatureStore.IMAGE).toMatch(new RegExp(`:${feast.replaceAll('.', '\\.')}$`));
  });
});
