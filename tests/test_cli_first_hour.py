"""The CLI as a new user meets it: `--help`/`-h` with readable metavars, `--verbose` after the
command, `fixtures ls` past broken files with --json/--kind/--call sorted by arrival, path
mistakes as one line, and the `Fixture` helpers the README shows."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from plivocb import fixture as fx
from tests.helpers import ANSWER, HANGUP, MESSAGE, make_fixture
from tests.inproc import clean_environ, run_cli

COMMANDS = [
    [],
    ["listen"],
    ["replay"],
    ["inspect"],
    ["fixtures"],
    ["fixtures", "new"],
    ["fixtures", "ls"],
    ["fixtures", "show"],
    ["fixtures", "validate"],
    ["fixtures", "redact"],
    ["app", "show"],
    ["app", "restore"],
    ["simulate", "call"],
    ["simulate", "message"],
    ["xml", "check"],
]


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`plivocb ARGS` in-process (tests/inproc.py), as a 120-column pipe would run it."""
    code, out, err = run_cli(*args, environ=clean_environ(COLUMNS="120"), cwd=cwd)
    return subprocess.CompletedProcess(["plivocb", *args], code, out, err)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "plivocb")
def test_help_and_h_show_no_python_types(command: list[str]) -> None:
    long, short = _cli(*command, "--help"), _cli(*command, "-h")
    assert long.returncode == 0 and short.returncode == 0, short.stderr
    assert long.stdout == short.stdout
    assert not re.search(r"<(str|int|float|bool|list\[[a-z]+\]|Path)>", long.stdout), long.stdout


def test_verbose_is_accepted_after_the_command(tmp_path: Path) -> None:
    before = _cli("--verbose", "replay", str(tmp_path / "none"), "--to", "http://127.0.0.1:9")
    after = _cli("replay", str(tmp_path / "none"), "--to", "http://127.0.0.1:9", "--verbose")
    assert before.returncode == after.returncode == 2
    assert "Traceback" in after.stderr and "no such file or directory" in after.stderr
    quiet = _cli("replay", str(tmp_path / "none"), "--to", "http://127.0.0.1:9")
    assert "Traceback" not in quiet.stderr
    root = _cli("-h")
    assert "--verbose" in root.stdout and "--version" in root.stdout


def _set(tmp: Path) -> Path:
    d = tmp / "fx"
    # saved out of arrival order, in two directories
    fx.save(make_fixture(HANGUP, "/hangup", seconds=30), d / "b")
    fx.save(make_fixture(MESSAGE, "/message", seconds=60), d / "a")
    fx.save(make_fixture(ANSWER, "/answer", seconds=0), d / "b")
    (d / "a" / "broken.toml").write_text("plivocb_fixture = 1\nkind = [")
    return d


def test_fixtures_ls_lists_past_broken_files_sorted_by_arrival(tmp_path: Path) -> None:
    d = _set(tmp_path)
    done = _cli("fixtures", "ls", str(d / "a"), str(d / "b"))
    assert done.returncode == 1
    lines = done.stdout.strip().splitlines()
    assert [line.split("\t")[1] for line in lines] == ["answer", "hangup", "message", "BROKEN"]
    assert "broken.toml" in lines[-1] and "not valid TOML" in lines[-1]
    assert "1 file is broken" in done.stderr and "Traceback" not in done.stderr

    done = _cli("fixtures", "ls", str(d), "--json")
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 1
    assert [r.get("kind") for r in rows] == ["answer", "hangup", "message", None]
    assert rows[0]["id"] == ANSWER["CallUUID"] and rows[0]["from"] == ANSWER["From"]
    assert rows[-1]["broken"].startswith("not valid TOML")

    kinds = _cli("fixtures", "ls", str(d / "b"), "--json", "--kind", "hangup")
    assert kinds.returncode == 0
    assert [json.loads(line)["kind"] for line in kinds.stdout.splitlines()] == ["hangup"]
    call = _cli("fixtures", "ls", str(d / "b"), "--call", ANSWER["CallUUID"][:8], "--json")
    assert len(call.stdout.splitlines()) == 2  # answer and hangup share the CallUUID
    bad = _cli("fixtures", "ls", str(d), "--kind", "nope")
    assert bad.returncode == 2 and "'--kind': 'nope' is not one of 'answer'," in bad.stderr
    assert "'message_status', 'other', 'stream'" in bad.stderr  # every kind, stream too


def test_path_mistakes_are_one_line_exit_2(tmp_path: Path) -> None:
    a_file = tmp_path / "x.toml"
    a_file.write_text("")
    for args, message in (
        (["fixtures", "new", "answer", "--out", str(a_file)], "is a file, not a directory"),
        (["fixtures", "ls", str(tmp_path / "missing")], "no such file or directory"),
        (["fixtures", "show", str(tmp_path)], "not a regular file"),
        (["fixtures", "validate", str(tmp_path / "missing")], "no such file or directory"),
    ):
        done = _cli(*args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert message in done.stderr and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) <= 2


def test_fixture_param_and_path(tmp_path: Path) -> None:
    path = fx.save(make_fixture(ANSWER), tmp_path)
    loaded = fx.load(path)
    assert loaded.path == path and loaded.param("From") == ANSWER["From"]
    assert loaded.param("Nope") == "" and loaded.param("Nope", "x") == "x"
    assert loaded == make_fixture(ANSWER)  # where it came from is not part of what it is
