"""The Spark jobs import pyspark, MLflow and Feast, which are not here: check they compile and have an entry point."""
import ast
from pathlib import Path

import pytest

JOBS_DIR = Path(__file__).resolve().parents[1] / 'jobs'
# The steps the DAG runs (dags/reference_pipeline.py) and the generator's `python3 -m jobs.produce`.
STEPS = {'produce', 'land', 'validate', 'features', 'train', 'promote', 'smoke_test'}


def test_every_step_has_a_job():
    assert STEPS <= {p.stem for p in JOBS_DIR.glob('*.py')}


@pytest.mark.parametrize('path', sorted(JOBS_DIR.glob('*.py')), ids=lambda p: p.name)
def test_job_compiles_and_defines_main(path):
    source = path.read_text()
    tree = ast.parse(compile(source, str(path), 'exec', flags=ast.PyCF_ONLY_AST))
    compile(tree, str(path), 'exec')
    mains = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == 'main']
    assert len(mains) == 1 and [a.arg for a in mains[0].args.args] == ['argv']
    assert ast.get_docstring(tree), f'{path.name} needs a docstring saying what it is for'
    assert "if __name__ == '__main__':\n    sys.exit(main())" in source
