import os
import sys

# The DAG folder is on Airflow's import path; so it is here.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# And the DAG runner beside the tests.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
