"""Validates docker-compose.yml, the files it mounts, the Dockerfile and .dockerignore
(Docker cannot run here): the structure, and the deployment's security shape (issue
18): only the proxy publishes ports, the app connects to PostgreSQL as a plain role
and migrations run as the owner, the image starts in production mode."""

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
REQUIRED_SERVICES = {"proxy", "web", "worker", "beat", "migrate", "postgres", "redis"}
APP_SERVICES = {"web", "worker", "beat", "migrate"}
# Services that answer the app's own traffic: none may publish a port (the proxy does).
UNPUBLISHED = APP_SERVICES | {"postgres", "redis"}
PROXY_CONFIG = "deploy/Caddyfile"
# The chain's shape (issue 22): an override of docker-compose.yml.
CHAIN = "docker-compose.chain.yml"
CHAIN_PROXY_CONFIG = "deploy/Caddyfile.chain"
OBJECT_STORE = "objects"
ROLES_SCRIPT = "deploy/postgres-init.sh"
APP_ROLE, OWNER_ROLE = "clinic_app", "clinic_owner"
# What .dockerignore must keep out of the image.
NEVER_IN_IMAGE = (".git", ".venv", ".dev-secret", "media", "private", "db.sqlite3")


def problems() -> list[str]:
    found = []
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    found.extend(compose_problems(compose))
    chain = yaml.safe_load((ROOT / CHAIN).read_text())
    found.extend(f"{CHAIN}: {p}" for p in chain_problems(merged(compose, chain)))
    dockerfile = ROOT / "Dockerfile"
    if not dockerfile.exists():
        found.append("Dockerfile is missing")
    else:
        found.extend(dockerfile_problems(dockerfile.read_text()))
    ignore = ROOT / ".dockerignore"
    found.extend(dockerignore_problems(ignore.read_text() if ignore.exists() else None))
    return found


def merged(base: dict, override: dict) -> dict:
    """``docker compose -f base -f override`` as far as these checks read it: mappings
    merge key by key, a mount replaces the one at the same path in the container,
    ports and expose add up, anything else is replaced."""
    result = dict(base)
    for key, value in override.items():
        old = result.get(key)
        if key.startswith("x-"):
            continue
        if isinstance(old, dict) and isinstance(value, dict):
            result[key] = merged(old, value)
        elif key == "volumes" and isinstance(old, list) and isinstance(value, list):
            targets = {_mount_target(v) for v in value}
            result[key] = [v for v in old if _mount_target(v) not in targets] + value
        elif key in {"ports", "expose"} and isinstance(old, list):
            result[key] = old + value
        else:
            result[key] = value
    return result


def _mount_target(mount) -> str:
    parts = str(mount).split(":")
    return parts[1] if len(parts) > 1 else parts[0]


def compose_problems(compose: dict, proxy_config: str = PROXY_CONFIG) -> list[str]:
    found = []
    services = compose.get("services") or {}
    missing = REQUIRED_SERVICES - services.keys()
    if missing:
        found.append(f"missing services: {sorted(missing)}")
    volumes = set(compose.get("volumes") or {})
    for name, service in services.items():
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0]
            if source.startswith("."):
                if not (ROOT / source).exists():
                    found.append(f"{name}: mounts {source}, which is not in the tree")
            elif not source.startswith("/") and source not in volumes:
                found.append(f"{name}: volume {source} is not declared")
        for dep in service.get("depends_on", {}):
            if dep not in services:
                found.append(f"{name}: depends on unknown service {dep}")
    for name in APP_SERVICES & services.keys():
        service = services[name]
        env = service.get("environment", {})
        for var in (
            "DJANGO_ENV",
            "SECRET_KEY",
            "SIGNATURE_KEYS",
            "AUDIT_ANCHOR_KEY",
            "DATABASE_URL",
            "REDIS_URL",
            "ALLOWED_HOSTS",
        ):
            if var not in env:
                found.append(f"{name}: environment lacks {var}")
        if "command" not in service:
            found.append(f"{name}: no command")
    if "postgres" in services and not any(
        "/var/lib/postgresql/data" in v for v in services["postgres"].get("volumes", [])
    ):
        found.append("postgres: the database is not on a volume")
    found.extend(door_problems(services, proxy_config))
    found.extend(role_problems(services))
    return found


def chain_problems(compose: dict) -> list[str]:
    """The chain (issue 22): everything the one-machine shape must be, plus every file
    in the bucket for every app service, an object store nobody outside reaches, the
    bucket made before the app starts, two or more web replicas spread by the proxy,
    one beat."""
    found = compose_problems(compose, CHAIN_PROXY_CONFIG)
    services = compose.get("services") or {}
    store = services.get(OBJECT_STORE)
    if store is None:
        return [*found, f"no {OBJECT_STORE} service (the S3-compatible store)"]
    if store.get("ports"):
        found.append(f"{OBJECT_STORE}: publishes ports (only the proxy may; use expose)")
    if not any(
        str(v).split(":")[0] in (compose.get("volumes") or {}) for v in store.get("volumes", [])
    ):
        found.append(f"{OBJECT_STORE}: the files are not on a volume")
    store_env = {str(v) for v in (store.get("environment") or {}).values()}
    for name in sorted(APP_SERVICES & services.keys()):
        service = services[name]
        env = service.get("environment", {})
        if str(env.get("STORAGE_BACKEND", "")).lower() != "s3":
            found.append(
                f"{name}: STORAGE_BACKEND is not s3 (its files would stay on its own disk)"
            )
        for var in ("S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"):
            if not env.get(var):
                found.append(f"{name}: environment lacks {var}")
        endpoint = str(env.get("S3_ENDPOINT_URL", ""))
        if not re.match(rf"https?://{OBJECT_STORE}:\d+", endpoint):
            found.append(f"{name}: S3_ENDPOINT_URL {endpoint!r} is not the {OBJECT_STORE} service")
        if {str(env.get("S3_ACCESS_KEY_ID")), str(env.get("S3_SECRET_ACCESS_KEY"))} & store_env:
            found.append(f"{name}: holds the object store's administrator key")
        ready = (service.get("depends_on") or {}).get(f"{OBJECT_STORE}-init") or {}
        if ready.get("condition") != "service_completed_successfully":
            found.append(f"{name}: does not wait for the bucket ({OBJECT_STORE}-init)")

    def replicas(name: str) -> int:
        return (services.get(name, {}).get("deploy") or {}).get("replicas", 1)

    if replicas("web") < 2:
        found.append("web: fewer than 2 replicas")
    if replicas("beat") != 1:
        found.append("beat: not exactly one (each would schedule every task)")
    return found


def door_problems(services: dict, proxy_config: str = PROXY_CONFIG) -> list[str]:
    """One door: the proxy publishes 80/443 and passes to web; nothing else is
    published; the app trusts exactly that one proxy's X-Forwarded-For."""
    found = []
    for name in UNPUBLISHED & services.keys():
        if services[name].get("ports"):
            found.append(f"{name}: publishes ports (only the proxy may; use expose)")
    proxy = services.get("proxy") or {}
    published = {str(p).split(":")[0] for p in proxy.get("ports", [])}
    if proxy and not {"80", "443"} <= published:
        found.append("proxy: does not publish 80 and 443")
    if proxy and not any(
        f"{proxy_config}:/etc/caddy/Caddyfile" in str(v) for v in proxy.get("volumes", [])
    ):
        found.append(f"proxy: does not mount {proxy_config}")
    config = ROOT / proxy_config
    text = config.read_text() if config.exists() else ""
    # One web (web:8000) or its replicas, every address the network gives "web".
    dynamic = re.search(r"dynamic\s+a\s*\{[^}]*name\s+web\s[^}]*port\s+8000", text)
    if not (re.search(r"reverse_proxy\s+web:8000", text) or dynamic):
        found.append(f"{proxy_config}: does not pass requests to web:8000")
    if "web" in services and "8000" not in [str(p) for p in services["web"].get("expose", [])]:
        found.append("web: does not expose 8000 to the proxy")
    for name in APP_SERVICES & services.keys():
        count = str(services[name].get("environment", {}).get("TRUSTED_PROXY_COUNT", ""))
        if count != "1":
            found.append(f"{name}: TRUSTED_PROXY_COUNT must be 1 (the proxy), not {count!r}")
    return found


def _db_user(url: str) -> str:
    match = re.match(r"postgres(?:ql)?://([^:@/]+)", str(url))
    return match.group(1) if match else ""


def role_problems(services: dict) -> list[str]:
    """The app's database role is a plain one created by the init script; the
    migrations alone run as the owner; neither is the superuser."""
    found = []
    postgres = services.get("postgres") or {}
    superuser = str(postgres.get("environment", {}).get("POSTGRES_USER", "postgres"))
    if not any(
        ROLES_SCRIPT in str(v) and "docker-entrypoint-initdb.d" in str(v)
        for v in postgres.get("volumes", [])
    ):
        found.append(f"postgres: does not run {ROLES_SCRIPT} at initialisation")
    for name in APP_SERVICES & services.keys():
        user = _db_user(services[name].get("environment", {}).get("DATABASE_URL", ""))
        wanted = OWNER_ROLE if name == "migrate" else APP_ROLE
        if user == superuser:
            found.append(f"{name}: connects to the database as the superuser {user}")
        elif user != wanted:
            found.append(f"{name}: connects to the database as {user!r}, not {wanted}")
    migrate = str(services.get("migrate", {}).get("command", ""))
    if "reseal_signatures" not in migrate:
        found.append("migrate: does not reseal signed charts under the current key")
    script = ROOT / ROLES_SCRIPT
    text = script.read_text() if script.exists() else ""
    for role in ("owner", "app"):
        create = re.search(rf'CREATE ROLE :"{role}"[^;]*;', text)
        if not create or "NOSUPERUSER" not in create.group(0):
            found.append(f"{ROLES_SCRIPT}: the {role} role is not created NOSUPERUSER")
    for var, role in (("CLINIC_DB_OWNER", OWNER_ROLE), ("CLINIC_DB_APP", APP_ROLE)):
        if f"{var}:={role}" not in text:
            found.append(f"{ROLES_SCRIPT}: {var} does not default to {role}")
    return found


def dockerfile_problems(text: str) -> list[str]:
    """Every path the Dockerfile copies exists (Docker cannot build here, so a moved
    folder would break the image unseen); the image defaults to production."""
    found = []
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 3 and words[0] == "COPY" and not words[1].startswith("--"):
            for source in words[1:-1]:
                if source != "." and not (ROOT / source).exists():
                    found.append(f"Dockerfile: COPY {source} names nothing in the tree")
    env = image_env(text)
    if env.get("DJANGO_ENV") != "production":
        found.append("Dockerfile: the image does not default to DJANGO_ENV=production")
    if env.get("DEBUG", "0") not in {"0", "false", "off", "no"}:
        found.append("Dockerfile: the image turns DEBUG on")
    for var in ("SECRET_KEY", "REQUIRE_2FA", "TRUSTED_PROXY_COUNT"):
        if var in env:
            found.append(f"Dockerfile: ENV sets {var} (it must come from the deployment)")
    return found


def dockerignore_problems(text: str | None) -> list[str]:
    if text is None:
        return [".dockerignore is missing"]
    entries = {line.strip().strip("/") for line in text.splitlines() if line.strip()}
    return [
        f".dockerignore: does not keep out {name}" for name in NEVER_IN_IMAGE if name not in entries
    ]


def image_env(text: str | None = None) -> dict[str, str]:
    """The environment the Dockerfile's ENV lines give the container."""
    if text is None:
        text = (ROOT / "Dockerfile").read_text()
    env = {}
    for line in text.splitlines():
        words = line.split()
        if words and words[0] == "ENV":
            env.update(word.split("=", 1) for word in words[1:] if "=" in word)
    return env


if __name__ == "__main__":
    issues = problems()
    for line in issues:
        print(f"docker-compose.yml: {line}", file=sys.stderr)
    print("docker-compose.yml: structure ok" if not issues else "")
    sys.exit(1 if issues else 0)
