import json
import os

import pytest

from pipeline_support.manifests import STEP_RESOURCES, inference_service, job_from_cronjob, spark_step, storage_uri
from pipeline_support.settings import load_settings

TEMPLATE = {
    "apiVersion": "sparkoperator.k8s.io/v1beta2",
    "kind": "SparkApplication",
    "metadata": {"name": "x-step", "namespace": "team-a"},
    "spec": {"mainApplicationFile": "local:///opt/pipeline/jobs/replace-me.py", "arguments": [], "driver": {"memory": "1g"}, "executor": {"instances": 2}},
}


def test_a_spark_step_runs_its_job_with_its_arguments_and_leaves_the_template_alone():
    application = spark_step(TEMPLATE, "card-fraud", "smoke_test", ["--url", "http://x", "--retries", 3])
    assert application["metadata"]["name"] == "card-fraud-smoke-test"
    assert application["metadata"]["namespace"] == "team-a"
    assert application["metadata"]["labels"]["mlops-platform/pipeline"] == "card-fraud"
    assert application["spec"]["mainApplicationFile"] == "local:///opt/pipeline/jobs/smoke_test.py"
    assert application["spec"]["arguments"] == ["--url", "http://x", "--retries", "3"]
    assert application["spec"]["driver"]["memory"] == STEP_RESOURCES["smoke_test"]["driver_memory"]
    assert TEMPLATE["spec"]["arguments"] == [] and "labels" not in TEMPLATE["metadata"]
    with pytest.raises(ValueError, match="unknown step 'deploy'"):
        spark_step(TEMPLATE, "card-fraud", "deploy", [])


def test_every_step_has_its_job_in_the_pipeline_image():
    jobs = os.path.join(os.path.dirname(__file__), "..", "..", "pipelines", "jobs")
    missing = [step for step in STEP_RESOURCES if not os.path.isfile(os.path.join(jobs, f"{step}.py"))]
    assert missing == []


def test_a_job_from_a_cronjob_keeps_its_pod_and_changes_only_what_is_asked():
    cronjob = {
        "metadata": {"name": "feast-materialize", "namespace": "feature-store"},
        "spec": {
            "jobTemplate": {
                "spec": {
                    "backoffLimit": 1,
                    "template": {"spec": {"serviceAccountName": "feast", "containers": [{"name": "m", "image": "feast:1", "command": ["feast"], "env": [{"name": "A", "value": "1"}]}]}},
                }
            }
        },
    }
    job = job_from_cronjob(cronjob, "card-fraud-apply-1", {"image": "pipeline:1", "command": ["feast", "apply"]}, {"A": "2", "B": "3"})
    assert job["metadata"] == {"name": "card-fraud-apply-1", "namespace": "feature-store", "labels": {"app.kubernetes.io/part-of": "mlops-platform"}}
    pod = job["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "feast"
    assert pod["containers"][0] == {"name": "m", "image": "pipeline:1", "command": ["feast", "apply"], "env": [{"name": "A", "value": "2"}, {"name": "B", "value": "3"}]}
    assert job["spec"]["backoffLimit"] == 1 and job["spec"]["ttlSecondsAfterFinished"] == 86400
    assert cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["image"] == "feast:1"


def test_a_model_is_served_from_where_mlflow_stores_it_and_only_from_there():
    root = "s3://artifacts/mlflow/"
    assert storage_uri("mlflow-artifacts:/3/models/m-1/artifacts", root) == "s3://artifacts/mlflow/3/models/m-1/artifacts"
    assert storage_uri("s3://artifacts/mlflow/3/abc/artifacts/model", root) == "s3://artifacts/mlflow/3/abc/artifacts/model"
    with pytest.raises(ValueError, match="outside s3://artifacts/mlflow/"):
        storage_uri("s3://elsewhere/model", root)


def test_the_served_inference_service_names_its_version():
    template = {"metadata": {"name": "m"}, "spec": {"predictor": {"model": {"storageUri": "s3://a/mlflow/replace-me"}}}}
    service = inference_service(template, "s3://a/mlflow/1/models/m-1/artifacts", 7)
    assert service["spec"]["predictor"]["model"]["storageUri"] == "s3://a/mlflow/1/models/m-1/artifacts"
    assert service["metadata"]["annotations"]["mlops-platform/model-version"] == "7"
    assert template["spec"]["predictor"]["model"]["storageUri"] == "s3://a/mlflow/replace-me"


def test_settings_come_from_the_variable_and_are_empty_without_it():
    assert load_settings({}) == {}
    assert load_settings({"AIRFLOW_VAR_PIPELINES": json.dumps({"p": {"team": "a"}})}) == {"p": {"team": "a"}}
