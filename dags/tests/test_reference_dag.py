"""The reference DAG against the steps it runs: every argument it passes is one the step's job accepts."""
import ast
import copy
from pathlib import Path

from dag_structure import describe

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = {
    "apiVersion": "sparkoperator.k8s.io/v1beta2",
    "kind": "SparkApplication",
    "metadata": {"name": "p-step", "namespace": "team-a"},
    "spec": {"mainApplicationFile": "local:///opt/pipeline/jobs/replace-me.py", "arguments": [], "driver": {}, "executor": {}},
}
SETTINGS = {
    "team": "a",
    "namespace": "team-a",
    "schedule": "30 2 * * *",
    "topic": "events.raw",
    "image": "registry/pipeline:1",
    "home": "/opt/pipeline",
    "data": "s3a://datasets/teams/a/pipelines/p",
    "promotion": {"metric": "roc_auc", "margin": 0.01},
    "pushgateway": "http://prometheus-pushgateway.monitoring.svc:9091",
    "drift": {"psiThreshold": 0.25},
    "model": {"name": "p", "namespace": "model-serving", "url": "http://p-predictor/v2/models/p/infer", "artifactsRoot": "s3://a/mlflow/"},
    "featureStore": {"namespace": "feature-store", "materializeCronJob": "feast-materialize", "config": "/etc/feast/feature_store.yaml"},
    "sparkApplication": TEMPLATE,
    "inferenceService": {"metadata": {"name": "p"}, "spec": {"predictor": {"model": {"storageUri": "s3://a/mlflow/replace-me"}}}},
}


def job_options(step):
    """The options `pipelines/jobs/<step>.py` declares, and those it requires."""
    tree = ast.parse((ROOT / "pipelines" / "jobs" / f"{step}.py").read_text())
    declared, required = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_argument":
            flag = node.args[0].value
            declared.add(flag)
            if any(k.arg == "required" and getattr(k.value, "value", False) is True for k in node.keywords):
                required.add(flag)
    return declared, required


def test_every_spark_step_gets_arguments_its_job_accepts_and_all_it_requires():
    [dag] = describe(str(ROOT / "dags" / "reference_pipeline.py"), {"p": copy.deepcopy(SETTINGS)})
    spark_steps = {task_id: task for task_id, task in dag["tasks"].items() if task["kind"] == "spark"}
    assert sorted(spark_steps) == ["drift", "features", "land", "promote", "smoke_test", "train", "validate"]
    for step, task in spark_steps.items():
        arguments = task["application"]["spec"]["arguments"]
        flags = arguments[0::2]
        assert all(flag.startswith("--") for flag in flags), (step, arguments)
        declared, required = job_options(step)
        assert set(flags) <= declared, (step, set(flags) - declared)
        assert required <= set(flags), (step, required - set(flags))


def test_the_settings_reach_the_steps():
    [dag] = describe(str(ROOT / "dags" / "reference_pipeline.py"), {"p": copy.deepcopy(SETTINGS)})
    argument = lambda step, flag: dict(zip(*[iter(dag["tasks"][step]["application"]["spec"]["arguments"])] * 2))[flag]  # noqa: E731
    assert dag["schedule"] == "30 2 * * *"
    assert argument("land", "--topic") == "events.raw"
    assert argument("validate", "--pushgateway") == SETTINGS["pushgateway"]
    assert argument("validate", "--suite") == "/opt/pipeline/suites/card_transactions.v1.yaml"
    assert (argument("promote", "--metric"), argument("promote", "--margin")) == ("roc_auc", "0.01")
    assert argument("smoke_test", "--url") == SETTINGS["model"]["url"]
    assert argument("train", "--date") == "{{ data_interval_start | ds }}"
    assert argument("drift", "--threshold") == "0.25"
