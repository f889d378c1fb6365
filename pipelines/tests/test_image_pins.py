"""The pipeline image runs the libraries these tests run on (pipelines/requirements.txt, exact versions).

Here that is Debian 12's packages; in the pull-request workflow, requirements.txt itself. pandas is the one
deliberate difference on Debian: PySpark 4.0 refuses pandas before 2.0, and Debian 12 ships 1.5.3.
"""
import re
from pathlib import Path

import avro
import numpy
import pandas
import scipy
import sklearn

PINS = dict(re.findall(r"^([\w.-]+)(?:\[[\w,]+\])?==(\S+)$", (Path(__file__).resolve().parents[1] / "requirements.txt").read_text(), re.M))


def test_the_steps_libraries_are_those_tested_here():
    installed = {"numpy": numpy.__version__, "scikit-learn": sklearn.__version__, "scipy": scipy.__version__, "avro": avro.__version__}
    assert {name: PINS[name] for name in installed} == installed


def test_pandas_is_one_pyspark_4_accepts_and_the_one_tested_outside_debian():
    assert tuple(int(part) for part in PINS["pandas"].split(".")[:2]) >= (2, 0)  # PySpark 4.0's minimum
    from_debian = pandas.__file__.startswith("/usr/lib/python3/dist-packages/")
    assert from_debian or pandas.__version__ == PINS["pandas"]
