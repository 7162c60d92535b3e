"""Disk failures: a failed write answers 500 (the only 500) and never leaves a temp file behind."""

from __future__ import annotations

import contextlib
import resource
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plivocb import fixture as fx
from plivocb.catcher import CatcherConfig, Stats, create_app
from plivocb.replay import Result, Summary
from plivocb.report import JUnitWriter
from tests.helpers import ANSWER, form, make_fixture

LIMIT = 64 * 1024


@contextlib.contextmanager
def file_size_limit(limit: int) -> Iterator[None]:
    """Writes past `limit` bytes fail with EFBIG, as a full disk fails with ENOSPC."""
    saved = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, saved[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, saved)
        signal.signal(signal.SIGXFSZ, previous)


def _all_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob("*") if p.is_file())


async def test_failed_fixture_write_answers_500_and_removes_its_temp_file(
    aiohttp_client: Any, tmp_path: Path
) -> None:
    out = tmp_path / "rec"
    stats = Stats()
    client = await aiohttp_client(
        create_app(
            CatcherConfig(out_dir=out, public_base="https://p", max_body=1 << 20), None, stats
        )
    )
    big = {**ANSWER, "Pad": "x" * (2 * LIMIT)}
    with file_size_limit(LIMIT):
        r = await client.post(
            "/answer", data=form(big), headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert r.status == 500
        assert _all_files(out) == []  # no .tmp left behind
        assert stats.errors == 1
        r = await client.post(
            "/answer",
            data=form(ANSWER),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert r.status == 200  # a small one still fits: the catcher carries on
    assert len(_all_files(out)) == 1


def test_failed_rewrite_keeps_the_original_and_no_temp_file(tmp_path: Path) -> None:
    path = fx.save(make_fixture(ANSWER), tmp_path)
    before = path.read_bytes()
    bigger = make_fixture({**ANSWER, "Pad": "x" * (2 * LIMIT)})
    with file_size_limit(LIMIT), pytest.raises(OSError):
        fx.write_in_place(bigger, path)
    assert path.read_bytes() == before
    assert _all_files(tmp_path) == [path.name]


def test_failed_junit_write_leaves_no_temp_file(tmp_path: Path) -> None:
    writer = JUnitWriter(tmp_path / "report.xml")
    for i in range(400):
        writer.add(Result(f"f{i}.toml", "answer", "POST", "http://x", "g", 500, 1.0, ["x" * 500]))
    with file_size_limit(LIMIT), pytest.raises(OSError):
        writer.close(Summary(total=400, failed=400))
    assert _all_files(tmp_path) == []
