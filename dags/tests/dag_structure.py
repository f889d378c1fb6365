"""Runs a DAG file against stand-ins of the Airflow classes it uses and prints what it defines, as JSON.

Airflow cannot be installed where the tests run (no PyPI), so its classes are replaced by recorders: the DAG
file runs unchanged, and its DAGs, tasks, dependencies, schedules, retries, timeouts and the SparkApplications
it would submit come out as data for tests to check. Usage: dag_structure.py <dag file> < settings.json
"""

import json
import os
import runpy
import sys
import types
from datetime import timedelta

DAGS = []


class Task:
    def __init__(self, task_id, kind, **kwargs):
        self.task_id, self.kind, self.kwargs, self.upstream = task_id, kind, kwargs, set()
        self.dag = DAG.current
        self.dag.tasks[task_id] = self

    def __rshift__(self, other):
        for target in other if isinstance(other, list) else [other]:
            target.upstream.add(self.task_id)
        return other

    def __rrshift__(self, other):
        for source in other if isinstance(other, list) else [other]:
            self.upstream.add(source.task_id)
        return self

    def describe(self):
        arguments = {**self.dag.default_args, **self.kwargs}
        seconds = lambda value: value.total_seconds() if isinstance(value, timedelta) else value  # noqa: E731
        described = {
            "kind": self.kind,
            "upstream": sorted(self.upstream),
            "retries": arguments.get("retries"),
            "executionTimeoutSeconds": seconds(arguments.get("execution_timeout")),
        }
        if "application_file" in self.kwargs:
            described["namespace"] = self.kwargs["namespace"]
            described["application"] = json.loads(self.kwargs["application_file"])
        return described


class DAG:
    current = None

    def __init__(self, dag_id, **kwargs):
        self.dag_id, self.kwargs, self.tasks = dag_id, kwargs, {}
        self.default_args = kwargs.get("default_args", {})
        DAGS.append(self)

    def __enter__(self):
        DAG.current = self
        return self

    def __exit__(self, *exc):
        DAG.current = None

    def describe(self):
        return {
            "dagId": self.dag_id,
            "schedule": self.kwargs.get("schedule"),
            "catchup": self.kwargs.get("catchup"),
            "maxActiveRuns": self.kwargs.get("max_active_runs"),
            "tasks": {task_id: task.describe() for task_id, task in self.tasks.items()},
        }


def task(task_id=None, **kwargs):
    def decorate(function):
        return lambda *args, **call_kwargs: Task(task_id or function.__name__, "python", **kwargs)

    return decorate


class SparkKubernetesOperator(Task):
    def __init__(self, task_id, **kwargs):
        super().__init__(task_id, "spark", **kwargs)


def install_stand_ins():
    modules = {
        "airflow": {},
        "airflow.sdk": {"DAG": DAG, "task": task},
        "airflow.providers": {},
        "airflow.providers.cncf": {},
        "airflow.providers.cncf.kubernetes": {},
        "airflow.providers.cncf.kubernetes.operators": {},
        "airflow.providers.cncf.kubernetes.operators.spark_kubernetes": {"SparkKubernetesOperator": SparkKubernetesOperator},
    }
    for name, attributes in modules.items():
        module = types.ModuleType(name)
        module.__dict__.update(attributes)
        sys.modules[name] = module


def describe(dag_file, settings):
    """The DAGs `dag_file` defines when the platform's settings are `settings`."""
    DAGS.clear()
    install_stand_ins()
    os.environ["AIRFLOW_VAR_PIPELINES"] = json.dumps(settings)
    sys.path.insert(0, os.path.dirname(os.path.abspath(dag_file)))
    sys.dont_write_bytecode = True
    runpy.run_path(dag_file, run_name="dag_file")
    return [dag.describe() for dag in DAGS]


if __name__ == "__main__":
    print(json.dumps(describe(sys.argv[1], json.load(sys.stdin)), indent=1))
