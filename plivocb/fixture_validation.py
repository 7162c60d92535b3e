"""`fixtures validate`: format and Plivo field checks over files, problems as data.

Each problem has a level: errors (what Plivo never sends, a fixture that does not load or whose
params disagree with its body) fail; warnings (what real traffic does show: unlisted hangup
codes, spelling variants) are printed and pass unless the caller asks for strictness.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from plivocb.callbacks import ERROR, Problem, classify, field_problems
from plivocb.errors import FixtureError
from plivocb.fixture.model import Fixture
from plivocb.fixture.store import load
from plivocb.form import request_params


def fixture_problems(fx: Fixture) -> list[Problem]:
    problems = field_problems(fx.kind, fx.params)
    detected = classify(fx.params, fx.request.path)
    if detected != fx.kind:
        problems.append(Problem("", f"kind is {fx.kind!r} but its params look like {detected!r}"))
    req = fx.request
    carried = request_params(
        req.method,
        req.query,
        req.body,
        req.header("Content-Type", "application/x-www-form-urlencoded"),
    )
    if (req.body or req.query) and carried != fx.params:
        where = "query" if req.method.upper() == "GET" else "body"
        for key in sorted(set(carried) | set(fx.params), key=str)[:50]:
            ours, sent = fx.params.get(key), carried.get(key)
            if ours == sent:
                continue
            problems.append(
                Problem(
                    key,
                    f"[params] has {_shown(ours)} but the recorded {where} has {_shown(sent)}; "
                    f"replay sends the {where} (edit both, or re-record)",
                )
            )
    return problems


def _shown(values: list[str] | None) -> str:
    if values is None:
        return "no such field"
    text = values[0] if len(values) == 1 else str(values)
    return repr(text[:40] + ("…" if len(text) > 40 else ""))


def validate_files(paths: Iterable[Path]) -> Iterator[tuple[Path, list[Problem]]]:
    """Each file with its problems (a file that does not load has that as its problem)."""
    for path in paths:
        try:
            fx = load(path)
        except FixtureError as exc:
            yield path, [Problem("", exc.problem, ERROR)]
            continue
        if fx.kind == "stream":  # a <Stream> session: its frames live beside the TOML file
            from plivocb.streams.record import problems

            yield path, [Problem("", text, ERROR) for text in problems(path)]
            continue
        yield path, fixture_problems(fx)
