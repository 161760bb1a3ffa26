"""The embedded default under concurrent writers: the real server on a file SQLite database,
two writers at once, no server error (before WAL + IMMEDIATE + busy timeout, about a third of
the answers were 500 "database is locked")."""

import importlib.util
import socket
from pathlib import Path

import pytest
from django.db import connection

_SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "sqlite_writers.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("sqlite_writers", _SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_two_concurrent_writers_get_no_server_error(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the embedded default (SQLite) is tested in the SQLite run")
    counts = _load_script().run(
        seconds=4, writers=2, port=_free_port(), database=tmp_path / "w.sqlite3", worker=False
    )
    assert counts[201] > 20  # both wrote, many times
    assert not {code: n for code, n in counts.items() if code >= 500}
