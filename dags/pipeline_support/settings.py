"""The platform's settings of each pipeline: the Airflow Variable `pipelines` (`AIRFLOW_VAR_PIPELINES`), as JSON.

Read from the environment, not through `Variable.get`: DAG files are parsed often and must not query the
metadata database (Airflow 3's DAG processor has no database access at all).
"""

import json
import os

VARIABLE = "AIRFLOW_VAR_PIPELINES"


def load_settings(environ=None):
    """Every configured pipeline's settings by name; none where the environment configures none."""
    raw = (environ if environ is not None else os.environ).get(VARIABLE, "")
    return json.loads(raw) if raw.strip() else {}
