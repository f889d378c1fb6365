"""Kubernetes objects the reference pipeline's tasks submit, built from the platform's ready-made templates."""

import copy

# Steps that read or write much data get executors; the others run on the driver alone (one idle executor,
# since the operator requires one).
STEP_RESOURCES = {
    "land": {"driver_memory": "2g", "executors": 2},
    "validate": {"driver_memory": "2g", "executors": 2},
    "features": {"driver_memory": "2g", "executors": 2},
    "train": {"driver_memory": "4g", "executors": 1},
    "promote": {"driver_memory": "2g", "executors": 1},
    "smoke_test": {"driver_memory": "1g", "executors": 1},
    "drift": {"driver_memory": "2g", "executors": 1},
}


def spark_step(template, pipeline, step, arguments):
    """The template SparkApplication running `jobs/<step>.py` of the pipeline image (beside the template's own
    placeholder job, so the image's layout is the platform's to say) with `arguments`."""
    if step not in STEP_RESOURCES:
        raise ValueError(f"unknown step {step!r}: one of {', '.join(sorted(STEP_RESOURCES))}")
    application = copy.deepcopy(template)
    resources = STEP_RESOURCES[step]
    application["metadata"]["name"] = f"{pipeline}-{step.replace('_', '-')}"
    application["metadata"].setdefault("labels", {})["mlops-platform/pipeline"] = pipeline
    spec = application["spec"]
    spec["mainApplicationFile"] = f"{spec['mainApplicationFile'].rsplit('/', 1)[0]}/{step}.py"
    spec["arguments"] = [str(a) for a in arguments]
    spec["driver"]["memory"] = resources["driver_memory"]
    spec["executor"]["instances"] = resources["executors"]
    return application


def job_from_cronjob(cronjob, name, container_patch=None, env=None):
    """A Job from a CronJob's template (as `kubectl create job --from=cronjob/…`), its first container patched."""
    job_spec = copy.deepcopy(cronjob["spec"]["jobTemplate"]["spec"])
    container = job_spec["template"]["spec"]["containers"][0]
    container.update(copy.deepcopy(container_patch or {}))
    if env:
        container["env"] = [e for e in container.get("env", []) if e["name"] not in env]
        container["env"] += [{"name": k, "value": v} for k, v in env.items()]
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "namespace": cronjob["metadata"]["namespace"],
            "labels": {"app.kubernetes.io/part-of": "mlops-platform"},
        },
        "spec": {**job_spec, "ttlSecondsAfterFinished": 86400},
    }


def storage_uri(artifact_uri, artifacts_root):
    """Where the serving role reads a model version MLflow stores at `artifact_uri` (`get-download-uri`)."""
    if artifact_uri.startswith("mlflow-artifacts:/"):
        uri = artifacts_root + artifact_uri[len("mlflow-artifacts:/"):].lstrip("/")
    else:
        uri = artifact_uri
    if not uri.startswith(artifacts_root):
        raise ValueError(f"model artifacts at {artifact_uri!r} are outside {artifacts_root}, which the serving role reads")
    return uri


def inference_service(template, storage, version):
    """The template InferenceService serving `storage`, labelled with the registered version it serves."""
    service = copy.deepcopy(template)
    service["spec"]["predictor"]["model"]["storageUri"] = storage
    service["metadata"].setdefault("annotations", {})["mlops-platform/model-version"] = str(version)
    return service
