"""An S3-compatible server on 127.0.0.1 for the tests and `make bench-scale`.

It is moto's server mode (``python -m moto.server``, from the dev extra) run as a
separate process: a protocol peer that speaks S3 over HTTP (signatures, ACLs,
listing, anonymous requests refused on private objects), not AWS itself. The app
reaches it exactly as it would reach a real bucket: through django-storages and
boto3 with ``STORAGE_BACKEND=s3`` and an ``S3_ENDPOINT_URL``.
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

HOST = "127.0.0.1"
# Invented credentials: moto accepts any; they only have to be the same everywhere.
ACCESS_KEY = "bench-access-key"
SECRET_KEY = "bench-secret-key-for-a-local-s3-peer"  # noqa: S105 (not a secret)
REGION = "us-east-1"


def available() -> bool:
    try:
        import moto.server  # noqa: F401
    except ImportError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class S3Peer:
    """``python -m moto.server`` on a free port, with one private bucket."""

    def __init__(self, *, log: Path | None = None, bucket: str | None = None):
        self.port = _free_port()
        self.bucket = bucket or f"clinic-{uuid.uuid4().hex[:10]}"
        self._log = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(self.port)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_ready()
            self.client().create_bucket(Bucket=self.bucket)  # private: no ACL, no policy
        except BaseException:
            self.stop()
            raise

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    def _wait_ready(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the S3 peer (moto server) exited at start")
            conn = http.client.HTTPConnection(HOST, self.port, timeout=1)
            try:
                conn.request("GET", "/moto-api/")
                conn.getresponse().read()
                return
            except OSError:
                time.sleep(0.2)
            finally:
                conn.close()
        raise RuntimeError(f"the S3 peer did not answer on {self.endpoint}")

    def env(self) -> dict[str, str]:
        """The settings that select this bucket (config/settings.py, "Files")."""
        return {
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": self.bucket,
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_REGION": REGION,
            "S3_ACCESS_KEY_ID": ACCESS_KEY,
            "S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "S3_ADDRESSING_STYLE": "path",
        }

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def keys(self, prefix: str = "") -> list[str]:
        pages = self.client().get_paginator("list_objects_v2")
        found = []
        for page in pages.paginate(Bucket=self.bucket, Prefix=prefix):
            found += [item["Key"] for item in page.get("Contents", ())]
        return found

    def anonymous_get(self, key: str) -> int:
        """The status of a plain GET of the object, with no signature at all."""
        conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
        try:
            conn.request("GET", f"/{self.bucket}/{key}")
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not subprocess.DEVNULL:
            self._log.close()
