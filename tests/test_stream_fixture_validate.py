"""`fixtures validate` on a broken <Stream> fixture reports the problem instead of crashing."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.inproc import run_cli


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    code, out, err = run_cli(*args)  # in-process (tests/inproc.py)
    return subprocess.CompletedProcess(["plivocb", *args], code, out, err)


def test_missing_track_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    made = cli("fixtures", "new", "stream", "--out", str(tmp_path), "--seed", "3")
    assert made.returncode == 0, made.stderr
    for wav in tmp_path.glob("*.wav"):
        wav.unlink()
    checked = cli("fixtures", "validate", str(tmp_path))
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "inbound track cannot be read" in checked.stdout
    assert "Traceback" not in checked.stderr


@pytest.mark.parametrize(
    "t",
    ["1" + "0" * 400, "1e400", "NaN", "-Infinity", "-5", "86400001"],
    ids=["huge-int", "inf", "nan", "minus-inf", "negative", "over-24h"],
)
def test_a_time_outside_a_call_is_a_problem_not_a_traceback_or_a_wait(
    tmp_path: Path, t: str
) -> None:
    """JSON numbers have no size limit (and Python reads NaN and Infinity): a `t` outside 0-24 h
    (Plivo disconnects every call at 24 h) would be a traceback, or a recorded-timing replay
    waiting that long for the next frame."""
    made = cli("fixtures", "new", "stream", "--out", str(tmp_path), "--seed", "3")
    assert made.returncode == 0, made.stderr
    (events,) = tmp_path.glob("*.events.jsonl")
    lines = events.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(2, '{"t":' + t + ',"from":"plivo","text":"late"}\n')
    events.write_text("".join(lines), encoding="utf-8")
    checked = cli("fixtures", "validate", str(tmp_path))
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "line 3: `t` is out of range (0 to 86400000 ms)" in checked.stdout
    assert "Traceback" not in checked.stderr
    replayed = cli("replay", str(tmp_path), "--to", "ws://127.0.0.1:9", "--timing", "recorded")
    assert replayed.returncode == 2 and "line 3: `t` is out of range" in replayed.stderr
    assert "Traceback" not in replayed.stderr
