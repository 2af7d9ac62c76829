"""Prints shell exports that choose the services for `make test`, and says which.

DATABASE_URL when set; else PostgreSQL on 127.0.0.1:5432 when it answers; else
SQLite. REDIS_URL when set; else Redis on 127.0.0.1:6379 when it answers; else
none (tasks then run eagerly and the worker tests are skipped, except under CI).
"""

import os
import shlex
import socket
import sys


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def main() -> None:
    db = os.environ.get("DATABASE_URL", "")
    if not db and answers("127.0.0.1", 5432):
        db = "postgres://postgres@127.0.0.1:5432/clinic"
    redis = os.environ.get("REDIS_URL", "")
    if not redis and answers("127.0.0.1", 6379):
        redis = "redis://127.0.0.1:6379/0"
    print(f"export DATABASE_URL={shlex.quote(db)}" if db else "unset DATABASE_URL")
    print(f"export REDIS_URL={shlex.quote(redis)}" if redis else "unset REDIS_URL")
    where = db.split("@")[-1] if db else "SQLite (db file in a temporary test database)"
    print(f"make test: database {where}; redis {redis or 'none'}", file=sys.stderr)


main()
