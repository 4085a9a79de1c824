# syntax=docker/dockerfile:1
# The news-etl Airflow image: Airflow's official image plus the project, installed from the same lock as
# `make install`. One image for every component of docker-compose.yml (api-server, scheduler, dag-processor,
# triggerer, Celery workers, init).
#
# Base: the official image in its "slim" variant. It keeps what Airflow's own compose file relies on (the
# entrypoint that waits for the metadata DB, dumb-init forwarding signals so a Celery worker shuts down warm,
# the `airflow` user with uid 50000 and gid 0, AIRFLOW_HOME=/opt/airflow) without the ~60 preinstalled providers
# of the full image, so requirements.lock alone decides what runs: the versions the tests ran.
# AIRFLOW_IMAGE must carry the Airflow version and Python of requirements.lock (tests/test_deployment.py checks it).
ARG AIRFLOW_IMAGE=apache/airflow:slim-3.3.2-python3.11
FROM ${AIRFLOW_IMAGE}

# The project's home, and the data root: a named volume mounted there starts with this owner (group 0 writable,
# the official image's rule for running under another uid).
USER root
RUN mkdir -p /opt/news-etl /data && chown airflow:0 /opt/news-etl /data && chmod 0775 /opt/news-etl /data
USER airflow
WORKDIR /opt/news-etl

# Dependencies first and on their own layer: editing the code does not reinstall them. The lock pins
# apache-airflow to the base image's version, so pip keeps Airflow itself and adds the project's libraries.
COPY --chown=airflow:0 requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

# The project without resolving anything again. Editable, as `make install` does: etl/ finds sql/ and config/
# beside itself (etl/settings.py PROJECT_ROOT), which a copy into site-packages would lose.
COPY --chown=airflow:0 pyproject.toml README.md ./
COPY --chown=airflow:0 etl ./etl
RUN pip install --no-cache-dir --no-deps --editable .
COPY --chown=airflow:0 sql ./sql
COPY --chown=airflow:0 config ./config
COPY --chown=airflow:0 dags ./dags
# config/sources.yml reads ../examples: the image runs out of the box; production selects its own ETL_CONFIG.
COPY --chown=airflow:0 examples ./examples

ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/news-etl/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    ETL_DATA_DIR=/data

WORKDIR /opt/airflow
