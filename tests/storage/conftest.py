"""An S3-compatible peer for the storage tests: moto's server mode as a separate
process (tools/s3_peer.py), one per session. Missing moto: skipped on a developer's
machine, a failure under CI (it comes with the dev extra)."""

from __future__ import annotations

import pytest

from tests.conftest import need
from tools import s3_peer


@pytest.fixture(scope="session")
def s3(tmp_path_factory):
    need(s3_peer.available(), "moto[server] is not installed: the S3 tests need its server")
    peer = s3_peer.S3Peer(log=tmp_path_factory.mktemp("s3") / "moto.log")
    yield peer
    peer.stop()


@pytest.fixture
def s3_storages(s3, settings, monkeypatch):
    """This process's storages in the peer's bucket, as STORAGE_BACKEND=s3 selects them."""
    from config.settings import s3_storage

    for name, value in s3.env().items():
        monkeypatch.setenv(name, value)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage("media"),
        "private": s3_storage("private"),
    }
    return s3
