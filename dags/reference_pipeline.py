"""The reference pipeline: one DAG per entry of `platform.pipelines` (the environment file).

land → validate → features → feast_apply → (materialize, train → promote) → serve → (smoke_test, drift)

Spark steps run `pipelines/jobs/<step>.py` of the pipeline image as SparkApplications in the team's namespace,
as the team (its IRSA role, its Kafka, schema-registry and MLflow logins); they start from the platform's
template, so they are placed, secured and scraped like every platform job. The feature-store steps run as Jobs
in the feature store's namespace, from its materialization CronJob. `serve` creates or rolls the model's
InferenceService to the `champion` version; no Terraform apply is involved. `drift` compares the day's served
requests (the model server's log) with the training data of the version it serves.
"""

import json
import time
from datetime import datetime, timedelta

from airflow.providers.cncf.kubernetes.operators.spark_kubernetes import SparkKubernetesOperator
from airflow.sdk import DAG, task

from pipeline_support.manifests import inference_service, job_from_cronjob, spark_step, storage_uri
from pipeline_support.settings import load_settings

# The day of the run's data interval: the partition of events each step works on. Every run of the day refreshes
# it, and the midnight run (interval 23:00-00:00) finishes the day before rather than validating an empty one.
RUN_DATE = "{{ data_interval_start | ds }}"

DEFAULT_ARGS = {
    "owner": "ml-platform",
    "retries": 2,
    "retry_delay": timedelta(minutes=2),
    "execution_timeout": timedelta(minutes=30),
}


def _kubernetes():
    """The API clients, in the task pod's own service account (Airflow's, with its per-namespace Roles)."""
    from kubernetes import client, config

    config.load_incluster_config()
    return client


def _wait(read, ready, timeout_seconds, what):
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        state = ready(read())
        if state is True:
            return
        if state is False:
            raise RuntimeError(f"{what} failed")
        time.sleep(10)
    raise TimeoutError(f"{what} not done after {timeout_seconds} s")


def build_dag(name, settings):
    team, namespace, data = settings["team"], settings["namespace"], settings["data"]
    model = settings["model"]
    # Where the pipeline image keeps this repository's `pipelines/`: the platform says (stacks/platform/pipeline-workloads.ts).
    home = settings["home"]

    def spark(step, *arguments, timeout=timedelta(minutes=30)):
        application = spark_step(settings["sparkApplication"], name, step, arguments)
        return SparkKubernetesOperator(
            task_id=step,
            namespace=namespace,
            application_file=json.dumps(application),
            kubernetes_conn_id="kubernetes_default",
            get_logs=True,
            delete_on_termination=True,
            execution_timeout=timeout,
        )

    with DAG(
        dag_id=f"pipeline_{name.replace('-', '_')}",
        description=f"Reference pipeline {name} of team {team}: {settings['topic']} to the served champion model",
        schedule=settings["schedule"],
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        dagrun_timeout=timedelta(hours=3),
        tags=["reference-pipeline", f"team:{team}"],
    ) as dag:
        land = spark("land", "--topic", settings["topic"], "--data", data)
        validate = spark(
            "validate",
            *("--data", data, "--date", RUN_DATE, "--suite", f"{home}/suites/card_transactions.v1.yaml"),
            *("--pushgateway", settings["pushgateway"]),
        )
        features = spark("features", "--data", data, "--date", RUN_DATE)
        train = spark("train", "--data", data, "--date", RUN_DATE, "--model", model["name"], timeout=timedelta(hours=1))
        promote = spark(
            "promote",
            *("--data", data, "--date", RUN_DATE, "--model", model["name"]),
            *("--metric", settings["promotion"]["metric"], "--margin", str(settings["promotion"]["margin"])),
        )
        smoke_test = spark("smoke_test", "--url", model["url"], "--model", model["name"], timeout=timedelta(minutes=10))
        drift = spark(
            "drift",
            *("--data", data, "--date", RUN_DATE, "--model", model["name"]),
            *("--threshold", str(settings["drift"]["psiThreshold"]), "--pushgateway", settings["pushgateway"]),
        )

        store = settings["featureStore"]

        def run_feature_store_job(step, container_patch=None, env=None):
            client = _kubernetes()
            batch = client.BatchV1Api()
            # The API's own field names (camelCase), as the manifests are written.
            cronjob = client.ApiClient().sanitize_for_serialization(batch.read_namespaced_cron_job(store["materializeCronJob"], store["namespace"]))
            job = job_from_cronjob(cronjob, f"{name}-{step}-{int(time.time())}", container_patch, env)
            batch.create_namespaced_job(store["namespace"], job)

            def state(status):
                if status.succeeded:
                    return True
                return False if status.failed and status.failed >= (job["spec"].get("backoffLimit") or 6) else None

            _wait(lambda: batch.read_namespaced_job_status(job["metadata"]["name"], store["namespace"]).status, state, 1200, f"Job {step}")

        @task(task_id="feast_apply")
        def feast_apply():
            """Registers the pipeline's feature views (pipelines/feature_repo) in the feature store's registry."""
            run_feature_store_job(
                "apply",
                {
                    "image": settings["image"],
                    "command": ["feast", "--chdir", f"{home}/feature_repo", "--feature-store-yaml", store["config"], "apply"],
                },
                {"PIPELINE_FEATURES_PATH": data.replace("s3a://", "s3://", 1) + "/features"},
            )

        @task(task_id="materialize")
        def materialize():
            """Loads the new feature rows into the online store (ElastiCache), as the hourly CronJob does."""
            run_feature_store_job("materialize")

        @task(task_id="serve")
        def serve():
            """Serves the `champion` version: creates the InferenceService, or rolls it to that version."""
            from airflow.providers.http.hooks.http import HttpHook

            mlflow = HttpHook(method="GET", http_conn_id=f"{team}_mlflow")
            alias = mlflow.run("/api/2.0/mlflow/registered-models/alias", data={"name": model["name"], "alias": "champion"}).json()
            version = alias["model_version"]["version"]
            download = mlflow.run("/api/2.0/mlflow/model-versions/get-download-uri", data={"name": model["name"], "version": version}).json()
            desired = inference_service(settings["inferenceService"], storage_uri(download["artifact_uri"], model["artifactsRoot"]), version)

            client = _kubernetes()
            api = client.CustomObjectsApi()
            where = dict(group="serving.kserve.io", version="v1beta1", namespace=model["namespace"], plural="inferenceservices")
            try:
                api.get_namespaced_custom_object(name=model["name"], **where)
                api.patch_namespaced_custom_object(
                    name=model["name"],
                    body={"metadata": {"annotations": desired["metadata"]["annotations"]}, "spec": desired["spec"]},
                    **where,
                )
            except client.exceptions.ApiException as error:
                if error.status != 404:
                    raise
                api.create_namespaced_custom_object(body=desired, **where)

            def ready(service):
                conditions = {c["type"]: c["status"] for c in service.get("status", {}).get("conditions", [])}
                served = service.get("metadata", {}).get("annotations", {}).get("mlops-platform/model-version")
                return True if conditions.get("Ready") == "True" and served == str(version) else None

            _wait(lambda: api.get_namespaced_custom_object(name=model["name"], **where), ready, 900, f"InferenceService {model['name']}")
            return {"version": version}

        applied, materialized, served = feast_apply(), materialize(), serve()
        land >> validate >> features >> applied >> [materialized, train]
        train >> promote
        [materialized, promote] >> served >> [smoke_test, drift]
    return dag


for _name, _settings in load_settings().items():
    globals()[f"pipeline_{_name.replace('-', '_')}"] = build_dag(_name, _settings)
