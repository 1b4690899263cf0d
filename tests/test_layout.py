"""The house: each room imports only the rooms below it, and no two modules import each other.

Every import counts, also one inside a function or under ``TYPE_CHECKING``: a lazy import
is still an arrow between rooms.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests import ROOT

#: The rooms from the bottom up; a module may import its own room and the rooms before it.
ROOMS = (
    ("signals.errors", "signals.times", "signals.lazy", "signals.defaults"),  # the foundation
    ("signals.sources",),
    ("signals.data",),
    ("signals.families",),
    ("signals.score",),
    ("signals.bots",),
    ("signals", "signals.freqtrade"),                        # the public surface
    ("backtests.candles",),
    ("backtests.report",),
    ("backtests.engine",),
    ("backtests.research",),
    ("backtests.service",),
    ("backtests.cli",),
    ("backtests",),
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules() -> dict[str, Path]:
    return {module_name(p): p for package in ("signals", "backtests")
            for p in sorted((ROOT / package).rglob("*.py"))}


def room_of(module: str) -> int:
    """The level of the room holding `module`: the longest room prefix wins."""
    best, level = "", -1
    for i, prefixes in enumerate(ROOMS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > len(best):
                best, level = prefix, i
    assert level >= 0, f"{module} is in no room: add it to ROOMS"
    return level


def imports_of(source: str, this: str, known: set[str]) -> set[str]:
    """The package modules that module `this`, whose code is `source`, imports anywhere."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        found.update(name for name in names if name in known and name != this)
    return found


MODULES = package_modules()
GRAPH = {name: imports_of(path.read_text(encoding="utf-8"), name, set(MODULES))
         for name, path in MODULES.items()}


def test_every_module_is_in_a_room():
    for name in MODULES:
        room_of(name)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_only_its_own_room_and_the_rooms_below(module):
    upward = sorted(other for other in GRAPH[module] if room_of(other) > room_of(module))
    assert not upward, f"{module} imports from a room above it: {upward}"


def test_no_import_cycles():
    """No module reaches itself by following imports (package ``__init__`` files aside)."""
    graph = {m: {o for o in deps if o not in ("signals", "backtests")}
             for m, deps in GRAPH.items() if m not in ("signals", "backtests")}
    cycles = []
    for start in graph:
        stack, seen = [(start, (start,))], set()
        while stack:
            node, path = stack.pop()
            for nxt in graph.get(node, ()):
                if nxt == start:
                    cycles.append(" -> ".join((*path, start)))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, (*path, nxt)))
    assert not cycles, "import cycles:\n" + "\n".join(sorted(set(cycles)))


def test_the_checker_sees_a_lazy_upward_import():
    """The check can fail: a function-level import of the score room in a source is seen."""
    source = MODULES["signals.sources.mof"].read_text(encoding="utf-8") + (
        "\n\ndef planted():\n    from signals.score import composite\n")
    found = imports_of(source, "signals.sources.mof", set(MODULES))
    assert "signals.score.composite" in found
    assert room_of("signals.score.composite") > room_of("signals.sources.mof")
