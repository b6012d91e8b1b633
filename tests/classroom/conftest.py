"""Store fixtures: every store test runs against real SQLite AND a real PostgreSQL server.

PostgreSQL comes from DESCENT_TEST_DATABASE_URL (bin/test starts a throwaway cluster with
deploy/postgres.py and sets it); without it, a cluster is started here if Debian's postgresql
binaries are installed. Only where they are not is PostgreSQL skipped — loudly — and when the
environment variable CI is set that is a failure instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from app.classroom import store as class_store
from deploy import postgres


class Clock:
    """A settable clock for the store (expiry, rate windows)."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _missing(reason: str) -> None:
    message = f"POSTGRESQL NOT TESTED: {reason}"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (required when CI is set)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    url = os.environ.get(postgres.ENV_VAR)
    if url:
        yield url
        return
    if postgres.pg_bindir() is None:
        _missing("no DESCENT_TEST_DATABASE_URL and no initdb/pg_ctl (apt-get install postgresql)")
    with postgres.cluster() as url:
        yield url


def _wipe(url: str) -> None:
    engine = class_store.make_engine(url)
    class_store.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> Iterator[str]:
    """The URL of an empty database: a fresh SQLite file, or the PostgreSQL test database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'classes.sqlite3'}"
        return
    url = request.getfixturevalue("postgres_url")
    _wipe(url)
    yield url
    _wipe(url)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(db_url, clock) -> Iterator[class_store.Store]:
    s = class_store.Store(db_url, clock=clock)
    yield s
    s.engine.dispose()


def rows(s: class_store.Store, table: sa.Table) -> list:
    with s.engine.connect() as conn:
        return conn.execute(sa.select(table)).all()
