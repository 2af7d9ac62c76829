"""Issue 18, findings 6 and 9 and the database roles: the deployment's shape.

Docker cannot run here, so the compose file, the Dockerfile and .dockerignore are
read (tools/scripts/check_compose.py, which `make lint` runs too; the chain shape of
docker-compose.chain.yml merged over it too), the settings the
image starts with are imported in a subprocess, and the database roles script runs
against the real PostgreSQL. Doors: docker-compose.yml (proxy, web, worker, beat,
migrate, postgres), deploy/Caddyfile, deploy/postgres-init.sh, the Dockerfile's
ENV, config/settings.py in production mode."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import yaml
from django.conf import settings

from tests.conftest import need
from tools.scripts import check_compose

ROOT = Path(__file__).resolve().parents[1]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_the_deployment_files_pass_their_check():
    assert check_compose.problems() == []


def test_the_check_sees_each_hole():
    """Each hole planted in a copy of the real compose file is named."""
    base = _compose()

    def found(change) -> str:
        compose = copy.deepcopy(base)
        change(compose["services"])
        return "\n".join(check_compose.compose_problems(compose))

    assert "web: publishes ports" in found(lambda s: s["web"].update(ports=["8000:8000"]))
    assert "missing services: ['proxy']" in found(lambda s: s.pop("proxy"))
    assert "TRUSTED_PROXY_COUNT must be 1" in found(
        lambda s: s["worker"].update(
            environment={**s["worker"]["environment"], "TRUSTED_PROXY_COUNT": "2"}
        )
    )

    def as_superuser(services):
        env = services["web"]["environment"]
        services["web"]["environment"] = {
            **env,
            "DATABASE_URL": "postgres://postgres:x@postgres/clinic",
        }

    assert "web: connects to the database as the superuser postgres" in found(as_superuser)

    def as_owner(services):
        env = services["beat"]["environment"]
        url = env["DATABASE_URL"].replace("clinic_app", "clinic_owner")
        services["beat"]["environment"] = {**env, "DATABASE_URL": url}

    assert "beat: connects to the database as 'clinic_owner'" in found(as_owner)
    assert "migrate: does not reseal" in found(
        lambda s: s["migrate"].update(command="python manage.py migrate --no-input")
    )
    assert "does not default to DJANGO_ENV=production" in "\n".join(
        check_compose.dockerfile_problems("FROM python:3.11\nENV PYTHONUNBUFFERED=1\n")
    )
    assert ".dockerignore: does not keep out .dev-secret" in check_compose.dockerignore_problems(
        ".git\n.venv\nmedia\nprivate\ndb.sqlite3\n"
    )


def _chain() -> dict:
    chain = yaml.safe_load((ROOT / check_compose.CHAIN).read_text())
    return check_compose.merged(_compose(), chain)


def test_the_chain_shape_keeps_files_in_the_bucket_and_spreads_web():
    """Issue 22: docker-compose.chain.yml over the one-machine file: every app service
    stores its files in the object store's bucket, web runs twice behind the proxy,
    which load-balances over every replica's address."""
    services = _chain()["services"]
    assert check_compose.chain_problems(_chain()) == []
    assert services["web"]["deploy"]["replicas"] == 2
    for name in ("web", "worker", "beat", "migrate"):
        env = services[name]["environment"]
        assert env["STORAGE_BACKEND"] == "s3" and env["S3_ENDPOINT_URL"] == "http://objects:9000"
        # The one-machine settings are still there (the override adds, it does not replace).
        assert env["TRUSTED_PROXY_COUNT"] == "1" and "postgres" in services[name]["depends_on"]
    assert "./deploy/Caddyfile.chain:/etc/caddy/Caddyfile:ro" in services["proxy"]["volumes"]
    assert not any("deploy/Caddyfile:" in v for v in services["proxy"]["volumes"])


def test_the_chain_check_sees_each_hole():
    base = _chain()

    def found(change) -> str:
        compose = copy.deepcopy(base)
        change(compose["services"])
        return "\n".join(check_compose.chain_problems(compose))

    def env(name, **changes):
        return lambda s: s[name].update(environment={**s[name]["environment"], **changes})

    assert "objects: publishes ports" in found(lambda s: s["objects"].update(ports=["9000:9000"]))
    assert "worker: STORAGE_BACKEND is not s3" in found(env("worker", STORAGE_BACKEND="filesystem"))
    assert "beat: S3_ENDPOINT_URL" in found(env("beat", S3_ENDPOINT_URL="http://example.org"))
    assert "web: holds the object store's administrator key" in found(
        env("web", S3_SECRET_ACCESS_KEY="${S3_ROOT_PASSWORD:?set S3_ROOT_PASSWORD}")
    )
    assert "web: fewer than 2 replicas" in found(lambda s: s["web"].pop("deploy"))
    assert "beat: not exactly one" in found(lambda s: s["beat"].update(deploy={"replicas": 2}))
    assert "migrate: does not wait for the bucket" in found(
        lambda s: s["migrate"]["depends_on"].pop("objects-init")
    )
    assert "web: publishes ports" in found(lambda s: s["web"].update(ports=["8000:8000"]))
    assert "proxy: does not mount deploy/Caddyfile.chain" in found(
        lambda s: s["proxy"].update(volumes=["./deploy/Caddyfile:/etc/caddy/Caddyfile:ro"])
    )


def _start(env: dict, code: str = "import django; django.setup()") -> subprocess.CompletedProcess:
    """Python as the image starts it: the Dockerfile's ENV plus ``env``, nothing of ours."""
    clean = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "PYTHONPATH", "LANG"}}
    clean.update(check_compose.image_env())
    clean.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


REAL = {
    "SECRET_KEY": "k" * 30 + "-a-real-looking-production-secret-0123456789",
    "ALLOWED_HOSTS": "clinic.example.org",
    "TRUSTED_PROXY_COUNT": "1",
    "SIGNATURE_KEYS": "k1:" + "s" * 40,
    "AUDIT_ANCHOR_KEY": "a" * 40,
    "DATABASE_URL": "postgres://clinic_app:x@127.0.0.1:9/clinic",  # never opened
}


def test_the_image_refuses_to_start_without_a_real_key(tmp_path):
    dev_secret = ROOT / ".dev-secret"
    before = dev_secret.stat().st_mtime_ns if dev_secret.exists() else None
    for missing, message in (
        ("SECRET_KEY", "Set SECRET_KEY"),
        ("TRUSTED_PROXY_COUNT", "Set TRUSTED_PROXY_COUNT"),
        ("ALLOWED_HOSTS", "Set ALLOWED_HOSTS"),
        ("SIGNATURE_KEYS", "Set SIGNATURE_KEYS"),
        ("AUDIT_ANCHOR_KEY", "Set AUDIT_ANCHOR_KEY"),
    ):
        env = {k: v for k, v in REAL.items() if k != missing}
        run = _start(env)
        assert run.returncode != 0 and message in run.stderr, (missing, run.stderr[-500:])
    short = _start({**REAL, "SECRET_KEY": "django-insecure-" + "x" * 40})
    assert short.returncode != 0 and "placeholder" in short.stderr
    # No development key was generated (or rewritten) along the way.
    after = dev_secret.stat().st_mtime_ns if dev_secret.exists() else None
    assert before == after


def test_the_image_runs_in_production_with_debug_off_and_the_second_factor_on():
    code = (
        "from django.conf import settings as s; import django; django.setup();"
        "print(s.DJANGO_ENV, s.DEBUG, s.REQUIRE_2FA, s.TRUSTED_PROXY_COUNT,"
        " s.SESSION_COOKIE_SECURE)"
    )
    run = _start(REAL, code)
    assert run.returncode == 0, run.stderr[-800:]
    assert run.stdout.split() == ["production", "False", "True", "1", "True"]


def test_the_web_process_freezes_what_it_loaded_and_still_collects_garbage():
    """config.wsgi as the image's gunicorn loads it (config.collector, issue 22): the
    views are imported, what was loaded is frozen out of the collector's way, the
    collector is on with the web process's thresholds, and a cycle made after start
    is still freed."""
    code = (
        "import gc, json, sys, weakref, config.wsgi\n"
        "class Ring: pass\n"
        "ring = Ring(); ring.me = ring; alive = weakref.ref(ring); del ring\n"
        "gc.collect()\n"
        "print(json.dumps({'frozen': gc.get_freeze_count(), 'thresholds': gc.get_threshold(),"
        " 'on': gc.isenabled(), 'views': 'planning.views.plans' in sys.modules,"
        " 'freed': alive() is None}))"
    )
    run = _start(REAL, code)
    assert run.returncode == 0, run.stderr[-800:]
    state = json.loads(run.stdout)
    assert state["frozen"] > 10_000, state  # the modules, settings and URL patterns
    assert state["thresholds"] == [5000, 20, 20]
    assert state["on"] and state["views"] and state["freed"], state


def test_the_containers_health_probe_reaches_the_view_in_production():
    """compose's web healthcheck says it is HTTPS, as the proxy does: production's
    redirect and host check do not answer it first (the database here is a closed
    port, so the view's answer is 503). Without the header the probe got a 400
    (the redirect asks for the host, and 127.0.0.1 is not one of ALLOWED_HOSTS)."""
    code = (
        "import django; django.setup(); from django.test import Client; c = Client();"
        "h = {'HTTP_HOST': '127.0.0.1:8000'};"
        "print(c.get('/healthz', HTTP_X_FORWARDED_PROTO='https', **h).status_code,"
        " c.get('/healthz', **h).status_code)"
    )
    run = _start(REAL, code)
    assert run.returncode == 0, run.stderr[-800:]
    assert run.stdout.split() == ["503", "400"]
    healthcheck = " ".join(_compose()["services"]["web"]["healthcheck"]["test"])
    assert "'X-Forwarded-Proto': 'https'" in healthcheck


def test_the_app_role_cannot_switch_off_the_triggers():
    """deploy/postgres-init.sh on the real server (roles with names of their own):
    the owner creates tables, the app role reads and writes them, but cannot create,
    truncate, or SET session_replication_role (superusers only)."""
    need(settings.DATABASE_IS_POSTGRES and shutil.which("psql"), "needs PostgreSQL and psql")
    host = settings.DATABASES["default"].get("HOST") or "127.0.0.1"
    port = str(settings.DATABASES["default"].get("PORT") or 5432)
    superuser = settings.DATABASES["default"]["USER"]
    tag = uuid.uuid4().hex[:8]
    names = {
        "CLINIC_DB_NAME": f"roles_{tag}",
        "CLINIC_DB_OWNER": f"owner_{tag}",
        "CLINIC_DB_APP": f"app_{tag}",
    }
    env = {
        **os.environ,
        **names,
        "PGHOST": host,
        "PGPORT": port,
        "POSTGRES_USER": superuser,
        "CLINIC_DB_OWNER_PASSWORD": uuid.uuid4().hex,
        "CLINIC_DB_APP_PASSWORD": uuid.uuid4().hex,
    }

    def psql(user: str, sql: str, db: str = names["CLINIC_DB_NAME"]):
        return subprocess.run(
            ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-U", user, "-d", db, "-tAc", sql],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    try:
        init = subprocess.run(
            ["sh", str(ROOT / "deploy/postgres-init.sh")],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert init.returncode == 0, init.stderr
        owner, app = names["CLINIC_DB_OWNER"], names["CLINIC_DB_APP"]
        assert psql(owner, "CREATE TABLE signed (id serial PRIMARY KEY, units int)").returncode == 0
        wrote = psql(app, "INSERT INTO signed (units) VALUES (4) RETURNING id")
        assert wrote.returncode == 0 and wrote.stdout.split()[0] == "1", wrote.stderr
        replica = psql(app, "SET session_replication_role = replica")
        assert replica.returncode != 0 and "permission denied" in replica.stderr
        assert "permission denied" in psql(app, "CREATE TABLE mine (id int)").stderr
        assert "permission denied" in psql(app, "TRUNCATE signed").stderr
        roles = psql(
            superuser,
            "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles ORDER BY rolname",
            db="postgres",
        ).stdout.split()
        assert [r for r in roles if r.split("|")[0] in (owner, app)] == [
            f"{app}|f|f|f",
            f"{owner}|f|f|f",
        ]
    finally:
        psql(superuser, f'DROP DATABASE IF EXISTS "{names["CLINIC_DB_NAME"]}"', db="postgres")
        for role in (names["CLINIC_DB_OWNER"], names["CLINIC_DB_APP"]):
            psql(superuser, f'DROP ROLE IF EXISTS "{role}"', db="postgres")


def test_the_images_static_files_carry_the_manifest_production_reads(tmp_path):
    """The Dockerfile's collectstatic (deploy/collectstatic.sh) runs with production's
    storage: without staticfiles.json every production page was a 500 (issue 18
    review: 'Missing staticfiles manifest entry')."""
    assert "sh deploy/collectstatic.sh" in (ROOT / "Dockerfile").read_text()
    target = tmp_path / "static"
    run = subprocess.run(
        ["sh", str(ROOT / "deploy/collectstatic.sh")],
        cwd=ROOT,
        env={
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",  # our python
            "HOME": os.environ.get("HOME", "/tmp"),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "STATIC_ROOT": str(target),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    manifest = json.loads((target / "staticfiles.json").read_text())
    assert "css/app.css" in manifest["paths"]


def test_no_model_field_has_a_fixed_date_or_time_default():
    """Django's system check warns (fields.W161) about a fixed date or time default
    when it runs within ten seconds of that value: `make check-deploy`, which fails on
    any warning, failed in CI at 18:00:00 on Location.closes_at's default of 18:00.
    Such defaults are callables. Seen to fail with the two 09:00 and 18:00 defaults
    written as values again."""
    import datetime

    from django.apps import apps

    fixed = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if not model.__module__.startswith("django.")
        for field in model._meta.get_fields()
        if isinstance(getattr(field, "default", None), datetime.date | datetime.time)
    ]
    assert fixed == []
