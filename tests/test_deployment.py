"""The production deployment (Dockerfile, docker-compose.yml, .env.example), validated without a Docker engine.

Two independent checks read docker-compose.yml: the Compose Specification's JSON schema with this project's rules
on top (`problems`), and Debian's docker-compose 1.29 (`docker-compose config`, which needs no engine; the Makefile
installs it as it installs chromium). Both must reject the mistakes in MISTAKES.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import ROOT

COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
# The Compose Specification's schema as Debian's docker-compose package ships it.
COMPOSE_SPEC = Path("/usr/lib/python3/dist-packages/compose/config/compose_spec.json")
AIRFLOW_SERVICES = {
    "airflow-api-server",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-worker",
    "airflow-triggerer",
    "airflow-init",
}
DATA_VOLUME, DATA_DIR = "etl-data", "/data"
SECRET_KEY = re.compile(r"(PASSWORD|SECRET|TOKEN|_KEY)$")
URL_PASSWORD = re.compile(r"://[^:/@\s]*:([^@\s]+)@")
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def raw_compose(path: Path = COMPOSE) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def env_example() -> dict[str, str]:
    pairs = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, sep, value = line.partition("=")
            assert sep, f".env.example: not KEY=VALUE: {line!r}"
            pairs[key.strip()] = value.strip()
    return pairs


def _is_interpolation(value: str) -> bool:
    return bool(re.fullmatch(VARIABLE.pattern, value))


def _volume_name(mount: str | dict[str, Any]) -> str | None:
    source = mount.get("source") if isinstance(mount, dict) else mount.split(":", 1)[0] if ":" in mount else None
    return source if source and not source.startswith((".", "/", "~", "$")) else None


def problems(doc: dict[str, Any]) -> list[str]:
    """What is wrong with a compose document as written (before interpolation): schema and project rules."""
    import jsonschema

    schema = json.loads(COMPOSE_SPEC.read_text(encoding="utf-8"))
    validator = jsonschema.Draft201909Validator(schema)
    found = [f"schema: {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]
    services: dict[str, Any] = doc.get("services") or {}
    volumes = set(doc.get("volumes") or {})
    for name, service in services.items():
        if not isinstance(service, dict):
            continue
        if "image" not in service and "build" not in service:
            found.append(f"{name}: neither image nor build")
        depends = service.get("depends_on") or {}
        for target in depends if isinstance(depends, list | dict) else []:
            if target not in services:
                found.append(f"{name}: depends on undefined service {target}")
        for mount in service.get("volumes") or []:
            volume = _volume_name(mount)
            if volume and volume not in volumes:
                found.append(f"{name}: volume {volume} is not declared")
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.partition("=")[::2] for item in environment)
        for key, value in environment.items():
            text = "" if value is None else str(value)
            if SECRET_KEY.search(key) and text and not _is_interpolation(text):
                found.append(f"{name}: {key} is a literal, not a ${{VAR}} from .env")
            for password in URL_PASSWORD.findall(text):
                if not _is_interpolation(password):
                    found.append(f"{name}: {key} has a literal password in its URL")
    return found


def _need_spec() -> None:
    if not COMPOSE_SPEC.exists():
        pytest.skip(f"{COMPOSE_SPEC} is absent: `apt-get install docker-compose` (make test does)")


def docker_compose(compose: Path, env_file: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("docker-compose")
    if exe is None:
        pytest.skip("docker-compose is absent: `apt-get install docker-compose` (make test does)")
    # A clean environment: variables of the caller's shell would override the env file.
    return subprocess.run(
        [exe, "--project-directory", str(ROOT), "-f", str(compose), "--env-file", str(env_file), "config"],
        env={"PATH": "/usr/bin:/bin", "HOME": str(env_file.parent)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def filled_env(tmp_path: Path) -> Path:
    """.env.example with every empty value filled, as a user's .env is."""
    lines = []
    for key, value in env_example().items():
        lines.append(f"{key}={value or 'test-' + key.lower().replace('_', '-')}")
    path = tmp_path / "env"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_compose_passes_the_spec_and_the_rules() -> None:
    _need_spec()
    assert problems(raw_compose()) == []


def _unknown_key(doc: dict[str, Any]) -> None:
    doc["services"]["airflow-worker"]["replica"] = 3


def _missing_image(doc: dict[str, Any]) -> None:
    del doc["services"]["redis"]["image"]


def _undefined_dependency(doc: dict[str, Any]) -> None:
    doc["services"]["airflow-scheduler"]["depends_on"]["postgress"] = {"condition": "service_healthy"}


def _literal_password(doc: dict[str, Any]) -> None:
    doc["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"] = "airflow"


def _literal_password_in_url(doc: dict[str, Any]) -> None:
    env = doc["services"]["airflow-worker"]["environment"]
    env["AIRFLOW__CELERY__BROKER_URL"] = "redis://:hunter2@redis:6379/0"


def _undeclared_volume(doc: dict[str, Any]) -> None:
    del doc["volumes"][DATA_VOLUME]


MISTAKES = {
    "unknown key": (_unknown_key, "replica", True),
    "missing image": (_missing_image, "neither image nor build", True),
    "undefined dependency": (_undefined_dependency, "postgress", True),
    "literal password": (_literal_password, "POSTGRES_PASSWORD is a literal", False),
    "literal password in a URL": (_literal_password_in_url, "literal password in its URL", False),
    "undeclared volume": (_undeclared_volume, f"volume {DATA_VOLUME} is not declared", True),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_the_checks_catch_a_real_mistake(mistake: str, tmp_path: Path, filled_env: Path) -> None:
    _need_spec()
    mutate, message, compose_rejects = MISTAKES[mistake]
    doc = copy.deepcopy(raw_compose())
    mutate(doc)
    assert any(message in p for p in problems(doc)), problems(doc)
    if compose_rejects and shutil.which("docker-compose"):
        broken = tmp_path / "docker-compose.yml"
        broken.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        done = docker_compose(broken, filled_env)
        assert done.returncode != 0, f"docker-compose config accepted the {mistake}"


def test_docker_compose_config_resolves_the_deployment(filled_env: Path) -> None:
    done = docker_compose(COMPOSE, filled_env)
    assert done.returncode == 0, done.stderr
    config = yaml.safe_load(done.stdout)
    services = config["services"]
    assert set(services) == AIRFLOW_SERVICES | {"postgres", "redis"}
    secrets = {k: v for k, v in env_example().items() if not v}
    filled = dict(line.split("=", 1) for line in filled_env.read_text(encoding="utf-8").splitlines())
    for name in AIRFLOW_SERVICES:
        service = services[name]
        env = service["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://"), name
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql"), name
        assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql"), name
        assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false", name
        # The secrets are the ones of the env file, the same in every component.
        assert env["AIRFLOW__CORE__FERNET_KEY"] == filled["AIRFLOW_FERNET_KEY"], name
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"] == filled["AIRFLOW_JWT_SECRET"], name
        assert filled["POSTGRES_PASSWORD"] in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"], name
        # One data root for every component: the named volume, where ETL_DATA_DIR points.
        assert env["ETL_DATA_DIR"] == DATA_DIR, name
        mounts = {
            tuple(v.split(":")[:2]) if isinstance(v, str) else (v["source"], v["target"]) for v in service["volumes"]
        }
        assert (DATA_VOLUME, DATA_DIR) in mounts, name
        assert {"postgres", "redis"} <= set(service["depends_on"]), name
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy", name
        assert service["depends_on"]["redis"]["condition"] == "service_healthy", name
        if name != "airflow-init":
            assert "healthcheck" in service, name
            assert service["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully", name
    for name in ("postgres", "redis"):
        assert "healthcheck" in services[name], name
    worker = services["airflow-worker"]
    # Scalable: `--scale airflow-worker=N` needs no fixed container name and no published port.
    assert "container_name" not in worker and "ports" not in worker
    assert worker["command"] == "celery worker"
    assert worker["depends_on"]["airflow-api-server"]["condition"] == "service_healthy"
    init = " ".join(services["airflow-init"]["command"])
    assert "airflow db migrate" in init
    assert "airflow pools import /opt/news-etl/config/airflow_pools.json" in init
    assert set(secrets) >= {"POSTGRES_PASSWORD", "REDIS_PASSWORD", "AIRFLOW_ADMIN_PASSWORD", "AIRFLOW_FERNET_KEY"}
    assert config["volumes"].keys() >= {DATA_VOLUME, "postgres-db"}


def test_compose_refuses_to_start_with_an_empty_secret(tmp_path: Path) -> None:
    # .env.example as committed: no secret has a value, and compose names the first one missing.
    done = docker_compose(COMPOSE, ENV_EXAMPLE)
    assert done.returncode != 0
    assert re.search(r"set \w*(PASSWORD|SECRET|KEY)\w* in \.env", done.stderr), done.stderr


def test_env_example_lists_every_variable_and_no_secret() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    used = {m.group(1): m.group(2) for m in VARIABLE.finditer(text)}
    listed = env_example()
    assert sorted(set(used) - set(listed)) == [], "variables docker-compose.yml reads but .env.example lacks"
    required = {name for name, op in used.items() if op == ":?"}
    assert required, "secrets are required with ${VAR:?message}"
    assert {name: listed[name] for name in required if listed[name]} == {}, "a secret has a committed value"
    for name in required:
        assert SECRET_KEY.search(name), f"{name} is required but is not named as a secret"
    assert ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()


def _mapping_value(node: yaml.MappingNode, key: str) -> yaml.Node:
    for k, v in node.value:
        if k.value == key:
            return v
    raise KeyError(key)


def test_every_airflow_service_merges_the_common_anchor() -> None:
    root = yaml.compose(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(root, yaml.MappingNode)
    common = _mapping_value(root, "x-airflow-common")
    services = _mapping_value(root, "services")
    assert isinstance(services, yaml.MappingNode)
    merging = set()
    for key, node in services.value:
        assert isinstance(node, yaml.MappingNode)
        # An alias is the anchored node itself: `<<: *airflow-common` merges exactly that mapping.
        if any(k.tag == "tag:yaml.org,2002:merge" and v is common for k, v in node.value):
            merging.add(key.value)
    assert merging == AIRFLOW_SERVICES
    # And the merged services run the project's image, which nothing else does.
    doc = raw_compose()
    image = doc["x-airflow-common"]["image"]
    assert {n for n, s in doc["services"].items() if s.get("image") == image} == AIRFLOW_SERVICES


def _dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) of each Dockerfile instruction, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    steps = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, args = line.partition(" ")
            steps.append((instruction.upper(), " ".join(args.split())))
    return steps


def _locked(package: str) -> str:
    match = re.search(rf"^{re.escape(package)}==(\S+)$", (ROOT / "requirements.lock").read_text(), re.MULTILINE)
    assert match, f"{package} is not in requirements.lock"
    return match.group(1)


def test_dockerfile_installs_the_project_from_the_lock() -> None:
    steps = _dockerfile()
    args = {a.split("=", 1)[0].split()[-1]: a.split("=", 1)[1] for i, a in steps if i == "ARG" and "=" in a}
    (base,) = [a for i, a in steps if i == "FROM"]
    image = args.get(base.removeprefix("${").removesuffix("}"), base)
    # The official image, of the Airflow version and the Python the lock was resolved for.
    assert image.startswith("apache/airflow:"), image
    assert image.endswith(f"{_locked('apache-airflow')}-python3.11"), image
    runs = [a for i, a in steps if i == "RUN"]
    lock = next(n for n, r in enumerate(runs) if re.search(r"pip install .*-r \S*requirements\.lock\b", r))
    project = next(n for n, r in enumerate(runs) if re.search(r"pip install .*--no-deps\b.* \.$", r))
    assert lock < project, "the locked dependencies are installed before the project"
    assert "requirements-dev.lock" not in " ".join(a for _, a in steps), "the image takes the runtime lock only"
    copied = " ".join(a for i, a in steps if i == "COPY")
    for part in ("requirements.lock", "etl", "dags", "config", "sql"):
        assert re.search(rf"(^|\s){part}(\s|$)", copied), f"{part} is not copied into the image"
    env = " ".join(a for i, a in steps if i == "ENV")
    assert "AIRFLOW__CORE__DAGS_FOLDER=/opt/news-etl/dags" in env
    assert f"ETL_DATA_DIR={DATA_DIR}" in env
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", ".venv", "data", ".git"} <= set(ignored)


def test_pools_file_defines_the_agreed_pools() -> None:
    pools = ROOT / "config" / "airflow_pools.json"
    if not pools.exists():
        pytest.skip(f"{pools} is absent (issue 4's DAG work ships it)")
    defined = {name: spec["slots"] for name, spec in json.loads(pools.read_text(encoding="utf-8")).items()}
    assert defined == {"news_http": 4, "news_warehouse": 1}
