"""Validates the structure of docker-compose.yml and the paths the Dockerfile copies
(Docker cannot run here)."""

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
REQUIRED_SERVICES = {"web", "worker", "beat", "postgres", "redis"}
APP_SERVICES = {"web", "worker", "beat"}


def problems() -> list[str]:
    found = []
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose.get("services") or {}
    missing = REQUIRED_SERVICES - services.keys()
    if missing:
        found.append(f"missing services: {sorted(missing)}")
    volumes = set(compose.get("volumes") or {})
    for name, service in services.items():
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0]
            if not source.startswith((".", "/")) and source not in volumes:
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
    dockerfile = ROOT / "Dockerfile"
    if not dockerfile.exists():
        found.append("Dockerfile is missing")
    else:
        found.extend(dockerfile_problems(dockerfile.read_text()))
    return found


def dockerfile_problems(text: str) -> list[str]:
    """Every path the Dockerfile copies exists (Docker cannot build here, so a moved
    folder would break the image unseen)."""
    found = []
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 3 and words[0] == "COPY" and not words[1].startswith("--"):
            for source in words[1:-1]:
                if source != "." and not (ROOT / source).exists():
                    found.append(f"Dockerfile: COPY {source} names nothing in the tree")
    return found


if __name__ == "__main__":
    issues = problems()
    for line in issues:
        print(f"docker-compose.yml: {line}", file=sys.stderr)
    print("docker-compose.yml: structure ok" if not issues else "")
    sys.exit(1 if issues else 0)
