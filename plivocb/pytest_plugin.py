"""pytest plugin (entry point `pytest11`): Plivo callback fixtures for a developer's tests."""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("plivocb", "Plivo callback fixtures (plivocb)")
    group.addoption(
        "--plivocb-fixtures",
        dest="plivocb_fixtures",
        metavar="DIR",
        default=None,
        help="directory of plivocb fixture files (default: ini plivocb_fixtures, else fixtures/)",
    )
    parser.addini("plivocb_fixtures", "directory of plivocb fixture files", default="fixtures")


@pytest.fixture
def plivocb_fixture_dir(pytestconfig: pytest.Config) -> Path:
    """The directory plivocb fixtures are loaded from."""
    value = pytestconfig.getoption("plivocb_fixtures") or pytestconfig.getini("plivocb_fixtures")
    path = Path(str(value))
    return path if path.is_absolute() else Path(pytestconfig.rootpath) / path
