"""Every Python block of README.md runs as written, with the README's pytest setting, in a fresh
project holding the sample fixtures/ (and examples/ where a block imports from it)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)
TOML = re.findall(r"```toml\n(.*?)```", README, re.S)


def test_readme_has_the_examples_it_promises() -> None:
    assert len(BLOCKS) >= 3
    assert any("plivocb_replay" in b for b in BLOCKS) and any("flask" in b for b in BLOCKS)
    assert any('asyncio_mode = "auto"' in t for t in TOML)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_python_block_runs(pytester: pytest.Pytester, index: int) -> None:
    block = BLOCKS[index]
    [settings] = [t for t in TOML if "asyncio_mode" in t]
    pytester.makefile(".toml", pyproject=settings + 'filterwarnings = ["error"]\n')
    shutil.copytree(ROOT / "fixtures", pytester.path / "fixtures")
    if re.search(r"^import \w+\s+# examples/", block, re.M):  # and what those modules import
        for module in (ROOT / "examples").glob("*.py"):
            if not module.name.startswith("test_"):
                shutil.copy(module, pytester.path / module.name)
    pytester.makepyfile(**{f"test_readme_{index}": block})
    tests = len(re.findall(r"^(?:async )?def test_", block, re.M))
    # pytest-benchmark (in some machines' Python) errors in an inner session under xdist
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:benchmark")
    result.assert_outcomes(passed=tests)
