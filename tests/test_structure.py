"""Dependencies point inward: checked statically (plivocb.devtools.imports) and at run time."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

from plivocb.devtools import imports


def test_layering_rules_hold() -> None:
    graph = imports.scan()
    assert imports.problems(graph) == []
    # the rules looked at the real package (a scan that found nothing would pass too)
    assert {"plivocb.catcher", "plivocb.signature", "plivocb.cli", "plivocb.events"} <= set(graph)
    assert "aiohttp" in graph["plivocb.catcher"].imports
    assert "plivocb.events" in graph["plivocb.catcher"].imports


def test_rules_catch_each_kind_of_violation(tmp_path: Path) -> None:
    pkg = tmp_path / "plivocb"
    (pkg / "cli").mkdir(parents=True)
    for name, body in {
        "__init__.py": "",
        "__main__.py": "from plivocb.cli import main\n",
        "cli/__init__.py": "import typer\n",
        "signature.py": "def f():\n    import rich\n",  # pure, lazily imports rich
        "fields.py": "from plivocb import helper\n",  # pure, aiohttp through a helper
        "helper.py": "import aiohttp\n",
        "catcher.py": "import typer\nfrom plivocb.display import X\n",
        "display.py": "",
        "report.py": "from plivocb.helper import x\n",
        "inspector.py": "from plivocb.cli import main\n",
        "typed.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import aiohttp\n",
    }.items():
        (pkg / name).write_text(body)
    found = imports.problems(imports.scan(pkg))
    assert sorted(found) == sorted([
        "plivocb.signature is pure but imports rich",
        "plivocb.fields is pure but imports aiohttp",
        "plivocb.catcher imports typer (only plivocb.cli may)",
        "plivocb.catcher (engine) imports its renderers plivocb.display",
        "import plivocb.report loads aiohttp (a renderer needs no network stack)",
        "plivocb.inspector imports plivocb.cli (only the entry points may)",
    ])  # fmt: skip


def test_renderers_and_pure_modules_import_without_the_network_stack() -> None:
    code = (
        "import sys, json\n"
        "import plivocb.report, plivocb.replay_output, plivocb.results, plivocb.events\n"
        "import plivocb.signature, plivocb.fixture, plivocb.response_checks, plivocb.generate\n"
        "heavy = ('aiohttp', 'pyngrok', 'typer')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_import_graph_command_prints_the_graph(capsys) -> None:  # type: ignore[no-untyped-def]
    assert imports.main(["--check"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("plivocb.catcher: ") and "events" in line for line in lines)
    assert lines[-1] == "0 layering problems"


def test_command_defaults_are_the_option_objects_defaults() -> None:
    """Options defined once: what `--help` shows is what the library uses when not told."""
    from typer.main import get_command

    from plivocb import defaults
    from plivocb.catcher import CatcherConfig
    from plivocb.cli import cli
    from plivocb.listen import ListenOptions
    from plivocb.replay import ReplayOptions

    commands = get_command(cli).commands  # type: ignore[attr-defined]
    listen = {p.name: p.default for p in commands["listen"].params}
    replay = {p.name: p.default for p in commands["replay"].params}
    lo, ro, co = (
        ListenOptions(),
        ReplayOptions(paths=[]),
        CatcherConfig(out_dir=defaults.RECORDED_DIR),
    )
    assert (listen["port"], listen["host"], listen["tunnel"]) == (lo.port, lo.host, lo.tunnel)
    assert listen["out"] == lo.out == defaults.RECORDED_DIR
    assert listen["forward_timeout"] == lo.forward_timeout == co.forward_timeout
    assert listen["max_body"] == lo.max_body == co.max_body
    assert listen["max_connections"] == lo.max_connections
    assert (replay["timeout"], replay["max_response"]) == (ro.timeout, ro.max_response)
    assert (replay["concurrency"], replay["speed"]) == (ro.concurrency, ro.speed)


# A CLI flag in a string: `--max-body`, not the `--` of an XML comment or a decrement.
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]+")
# Where the command layer and pytest's own options live: only they may spell flags.
FLAG_OWNERS = ("cli/", "devtools/", "pytest_plugin.py")
# Flags of other programs the core really passes.
FOREIGN_FLAGS = {
    ("inspector/actions.py", "--data-binary"),  # curl's, in the inspector's copy-as-curl
}


def flag_literals(package: Path) -> list[str]:
    """`path:line: --flag` for each flag-looking string constant (not docstrings) of the core."""
    found = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package).as_posix()
        if rel.startswith(FLAG_OWNERS):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
                continue
            if id(node) in docstrings:
                continue
            for flag in FLAG.findall(node.value):
                if (rel, flag) not in FOREIGN_FLAGS:
                    found.append(f"{rel}:{node.lineno}: {flag}")
    return found


def test_the_core_spells_no_cli_flags() -> None:
    """Only the CLI names flags: the core says `max_body` unless told (see errors.Namer)."""
    package = Path(imports.__file__).resolve().parents[1]
    assert flag_literals(package) == []


def test_the_flag_scan_finds_flags_in_strings_and_f_strings(tmp_path: Path) -> None:
    (tmp_path / "cli").mkdir()
    (tmp_path / "cli" / "x.py").write_text('HELP = "--max-body"\n')  # the CLI's own: fine
    (tmp_path / "core.py").write_text(
        '"""Docstrings may say --max-body."""\n'
        "# so may comments: --port\n"
        'HINT = "pass --inspect-port"\n'
        'def f(n):\n    """--doc"""\n    return f"over --max-body ({n})"\n'
        'XML = "<!-- a -->"\nDASHES = "----"\n'
    )
    assert flag_literals(tmp_path) == ["core.py:3: --inspect-port", "core.py:6: --max-body"]
