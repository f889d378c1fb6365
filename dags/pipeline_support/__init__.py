"""What the pipeline DAGs build, as plain data: no Airflow import, so tests run it without Airflow."""
