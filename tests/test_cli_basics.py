import json
import subprocess
import sys

import pytest

from tests.inproc import run_cli


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    code, out, err = run_cli(*args)
    return subprocess.CompletedProcess(["plivocb", *args], code, out, err)


@pytest.mark.parametrize("args", [["--version"], ["--help"]])
def test_fast_start_imports_neither_aiohttp_nor_pyngrok(args: list[str]) -> None:
    code = (
        "import sys, json\n"
        f"sys.argv = ['plivocb', *{args!r}]\n"
        "from plivocb.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('aiohttp', 'pyngrok', 'yarl')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_help_lists_command_groups() -> None:
    out = _run("--help")
    for name in ("listen", "replay", "fixtures"):
        assert name in out.stdout
    assert _run("--version").stdout.strip().startswith("plivocb ")


def test_every_command_has_help_text() -> None:
    from typer.main import get_command

    from plivocb.cli import cli

    def walk(cmd, path):  # type: ignore[no-untyped-def]
        yield path, cmd
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from walk(sub, [*path, name])

    for path, cmd in walk(get_command(cli), ["plivocb"]):
        assert (cmd.help or "").strip(), f"{' '.join(path)} has no help text"


def test_unknown_command_is_usage_error() -> None:
    assert _run("nope").returncode == 2
