"""Print plivocb's module import graph, read statically from the source (nothing is imported).

    python -m plivocb.devtools.imports            # module -> plivocb modules and third parties
    python -m plivocb.devtools.imports --check    # also check the layering rules; exit 1 if broken
    python -m plivocb.devtools.imports --root OTHER/plivocb --check   # another checkout

Every `import` statement counts, also those inside functions (lazy imports) and under
`if TYPE_CHECKING:` (shown as `(types)` and ignored by the rules: they never run).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = "plivocb"
ROOT = Path(__file__).resolve().parent.parent
THIRD_PARTY = ("aiohttp", "rich", "typer", "click", "pyngrok", "tomli_w", "tomli", "yarl")
# Pure modules: the engine's vocabulary; no I/O frameworks, no terminal, no CLI.
PURE = (
    "plivocb.signature",
    "plivocb.fields",
    "plivocb.callbacks",
    "plivocb.form",
    "plivocb.fixture",  # the package: model, TOML codec, file store (no frameworks)
    "plivocb.atomic_write",
    "plivocb.signed_request",
    "plivocb.plivoxml",
    "plivocb.response_checks",
    "plivocb.generate",
    "plivocb.redact",
    "plivocb.events",
    "plivocb.results",
    "plivocb.choices",
    "plivocb.defaults",
    "plivocb.xml_chars",
)
IMPURE = ("aiohttp", "rich", "typer", "click", "pyngrok")
ENTRY_POINTS = ("plivocb.__main__",)


@dataclass
class Module:
    name: str
    path: Path
    imports: set[str] = field(default_factory=set)  # run-time imports (plivocb modules, packages)
    top: set[str] = field(default_factory=set)  # the subset run when the module is imported
    type_only: set[str] = field(default_factory=set)


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        parts = module.split(".")
        keep = len(parts) - node.level + (1 if is_package else 0)
        base = ".".join(parts[:keep] + ([base] if base else []))
    if base == PACKAGE or base.startswith(PACKAGE + "."):
        # `from plivocb import fixture` imports the submodule plivocb.fixture
        return [f"{base}.{alias.name}" for alias in node.names]
    return [base]


Found = tuple[ast.Import | ast.ImportFrom, bool, bool]  # (node, under TYPE_CHECKING, in a def)


def _walk(tree: ast.AST, in_types: bool = False, lazy: bool = False) -> Iterable[Found]:
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, in_types, lazy
        elif isinstance(child, ast.If) and _is_type_checking(child):
            for stmt in child.body:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), True, lazy)
            for stmt in child.orelse:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), in_types, lazy)
        else:
            inner = lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            yield from _walk(child, in_types, inner)


def scan(root: Path = ROOT) -> dict[str, Module]:
    """Every module of the package with what it imports."""
    found: dict[str, Module] = {}
    for path in sorted(root.rglob("*.py")):
        name = _module_name(path, root)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        mod = Module(name, path)
        for node, in_types, lazy in _walk(tree):
            for target in _targets(node, name, path.name == "__init__.py"):
                if not target:
                    continue
                (mod.type_only if in_types else mod.imports).add(target)
                if not in_types and not lazy:
                    mod.top.add(target)
        found[name] = mod
    names = set(found)
    for mod in found.values():  # keep real modules; `from plivocb.x import func` -> plivocb.x
        mod.imports = {_resolve(t, names) for t in mod.imports} - {mod.name}
        mod.top = {_resolve(t, names) for t in mod.top} - {mod.name}
        mod.type_only = {_resolve(t, names) for t in mod.type_only} - {mod.name} - mod.imports
    return found


def _resolve(target: str, names: set[str]) -> str:
    if not target.startswith(PACKAGE):
        return target.split(".")[0]
    while target not in names and "." in target:
        target = target.rsplit(".", 1)[0]
    return target


def _under(name: str, prefixes: Iterable[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def loaded_by_import(graph: dict[str, Module], name: str) -> set[str]:
    """Everything `import name` loads (module-level imports, followed through plivocb)."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        for target in graph[current].top if current in graph else ():
            if target not in seen:
                seen.add(target)
                todo.append(target)
        # importing plivocb.a.b runs plivocb/__init__ and plivocb/a/__init__ first
        parent = current.rsplit(".", 1)[0] if "." in current else ""
        if parent and parent in graph and parent not in seen:
            seen.add(parent)
            todo.append(parent)
    return seen


# renderers that must not need the network stack to be imported
NO_AIOHTTP = ("plivocb.report", "plivocb.replay_output", "plivocb.display")
# the engine does not import its renderers: they both import the event/result types
ENGINE = ("plivocb.catcher", "plivocb.replay", "plivocb.forward", "plivocb.guard")
RENDERERS = ("plivocb.display", "plivocb.report", "plivocb.replay_output")


def problems(graph: dict[str, Module]) -> list[str]:
    """Broken layering rules, one line each (empty when all hold)."""
    found: list[str] = []
    for mod in graph.values():
        if _under(mod.name, ("plivocb.devtools",)):
            continue
        if _under(mod.name, PURE):
            bad = sorted(t for t in mod.imports | loaded_by_import(graph, mod.name) if t in IMPURE)
            if bad:
                found.append(f"{mod.name} is pure but imports {', '.join(bad)}")
        if mod.name in ENGINE:
            bad = sorted(t for t in mod.imports if t in RENDERERS)
            if bad:
                found.append(f"{mod.name} (engine) imports its renderers {', '.join(bad)}")
        if mod.name in NO_AIOHTTP and "aiohttp" in loaded_by_import(graph, mod.name):
            found.append(f"import {mod.name} loads aiohttp (a renderer needs no network stack)")
        if not _under(mod.name, ("plivocb.cli",)) and "typer" in mod.imports:
            found.append(f"{mod.name} imports typer (only plivocb.cli may)")
        if not _under(mod.name, ("plivocb.cli", *ENTRY_POINTS)):
            cli = sorted(t for t in mod.imports if _under(t, ("plivocb.cli",)))
            if cli:
                found.append(f"{mod.name} imports {', '.join(cli)} (only the entry points may)")
    return found


def render(graph: dict[str, Module]) -> str:
    lines = []
    for name in sorted(graph):
        mod = graph[name]
        inner = sorted(t for t in mod.imports if t.startswith(PACKAGE))
        outer = sorted(t for t in mod.imports if t in THIRD_PARTY)
        types = sorted(t for t in mod.type_only if t.startswith(PACKAGE) or t in THIRD_PARTY)
        line = f"{name}: {' '.join(t.removeprefix(PACKAGE + '.') for t in inner) or '-'}"
        if outer:
            line += f"  | {' '.join(outer)}"
        if types:
            line += f"  (types: {' '.join(t.removeprefix(PACKAGE + '.') for t in types)})"
        lines.append(line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = ROOT
    if "--root" in args:  # another checkout's package directory, e.g. to compare with a past commit
        root = Path(args[args.index("--root") + 1]).resolve()
    graph = scan(root)
    print(render(graph))
    if "--check" in args:
        broken = problems(graph)
        for line in broken:
            print(f"RULE: {line}")
        print(f"{len(broken)} layering problems")
        return 1 if broken else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
