"""The README and docs are executable: every code block on those pages runs in the suite.

Blocks run in page order, each in its own subprocess, in one temporary folder per page and
with one store for the whole run (``RISKOFF_HOME``), as a reader pasting them would:

- ``bash`` blocks through the installed ``riskoff`` command (``bash -e``), with every proxy
  pointed at a closed local port: no network;
- ``python`` blocks in a fresh interpreter outside the repository, shown as a notebook would
  show them (each top-level expression's value is printed);
- ``toml`` blocks are read as TOML.

An HTML comment on the line before a block changes that:

``<!-- readme: file NAME -->``
    the block is saved as NAME in the page's folder for the blocks after it (``toml`` and
    ``python`` files are still parsed);
``<!-- readme: network -->``
    the block needs the network: skipped here, with the reason;
``<!-- ci:main -->``, ``<!-- ci:test -->``
    installs and the suite itself, run by ``.ci/run``: skipped here, with the reason.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(?:<!-- (?P<marker>[^>]*?) -->\n)?```(?P<lang>[a-z]*)\n(?P<code>.*?)^```$",
                   re.MULTILINE | re.DOTALL)
OFFLINE = "http://127.0.0.1:9"  # the discard port: nothing listens, connections are refused

# A notebook's display of each top-level expression, in a plain interpreter.
SHOW = """
import ast, sys
source = sys.stdin.read()
namespace = {"__name__": "__main__"}
for node in ast.parse(source).body:
    if isinstance(node, ast.Expr):
        value = eval(compile(ast.Expression(node.value), "<block>", "eval"), namespace)
        if value is not None:
            print(f"Out[{node.lineno}]:", repr(value), sep="\\n", flush=True)
    else:
        exec(compile(ast.Module([node], []), "<block>", "exec"), namespace)
"""


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    lang: str
    code: str
    marker: str

    @property
    def id(self) -> str:
        return f"{self.page.name}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """Every fenced code block of `page`, with its language and the marker before it."""
    text = page.read_text(encoding="utf-8")
    return [Block(page, text.count("\n", 0, m.start("code")), m["lang"], m["code"],
                  (m["marker"] or "").strip()) for m in FENCE.finditer(text)]


ALL = [block for page in PAGES for block in blocks(page)]


@pytest.fixture(scope="session")
def store(tmp_path_factory) -> Path:
    """One store for every block: the bundled data are seeded into it once."""
    return tmp_path_factory.mktemp("readme-store")


@pytest.fixture(scope="session")
def folders(tmp_path_factory) -> dict:
    return {page: tmp_path_factory.mktemp(f"readme-{page.stem}") for page in PAGES}


def environment(store: Path, config: Path) -> dict:
    env = dict(os.environ, RISKOFF_HOME=str(store), XDG_CONFIG_HOME=str(config),
               MPLBACKEND="Agg", PATH=f"{Path(sys.executable).parent}{os.pathsep}"
               f"{os.environ.get('PATH', '')}")
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):
        env[name] = OFFLINE
    env.pop("NO_PROXY", None)
    env.pop("no_proxy", None)
    return env


def run_block(block: Block, folder: Path, store: Path) -> subprocess.CompletedProcess:
    """Run `block` in `folder` after saving the page's earlier file blocks there."""
    for earlier in ALL:
        if earlier.page == block.page and earlier.line < block.line and \
                earlier.marker.startswith("readme: file "):
            (folder / earlier.marker.removeprefix("readme: file ")).write_text(earlier.code)
    env = environment(store, folder / ".config")
    if block.lang in ("bash", "sh", "shell"):
        argv, stdin = ["bash", "-euo", "pipefail", "-c", block.code], None
    elif block.lang == "python":
        argv, stdin = [sys.executable, "-c", SHOW], block.code
    else:
        raise AssertionError(f"{block.id}: no way to run a {block.lang!r} block")
    return subprocess.run(argv, input=stdin, cwd=folder, env=env, capture_output=True,
                          text=True, check=False)


@pytest.mark.parametrize("block", ALL, ids=[b.id for b in ALL])
def test_block_runs(block: Block, folders, store):
    if block.marker.startswith("ci:"):
        pytest.skip(f"{block.id}: an install and the suite itself, run by .ci/run")
    if block.marker == "readme: network":
        pytest.skip(f"{block.id}: needs the network (offline behaviour: tests/backtests/cli)")
    if block.marker.startswith("readme: file "):
        if block.lang == "python":
            ast.parse(block.code)
        elif block.lang == "toml":
            tomllib.loads(block.code)
        return
    if block.lang == "toml":
        tomllib.loads(block.code)
        return
    done = run_block(block, folders[block.page], store)
    assert done.returncode == 0, f"{block.id} failed:\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr, done.stderr


def test_every_block_has_a_known_language_or_marker():
    for block in ALL:
        assert block.lang in ("bash", "sh", "shell", "python", "toml"), block.id
        assert block.marker in ("", "ci:main", "ci:test", "readme: network") or \
            block.marker.startswith("readme: file "), block.id


def test_the_notebook_snippet_shows_a_reading_with_a_score(folders, store):
    """The README's reading line displays a row with a score, not the all-NaN last row."""
    block = next(b for b in blocks(ROOT / "README.md") if "signals.risk_off_score" in b.code
                 and b.lang == "python")
    line = next(i for i, text in enumerate(block.code.splitlines(), 1)
                if "current_score(" in text)
    done = run_block(block, folders[block.page], store)
    assert done.returncode == 0, done.stderr
    shown = done.stdout.split(f"Out[{line}]:\n", 1)[1]
    score = re.search(r"^score\s+(\S+)$", shown, flags=re.MULTILINE)
    coverage = re.search(r"^coverage\s+(\S+)$", shown, flags=re.MULTILINE)
    assert score and 0 <= float(score[1]) <= 100
    assert coverage and float(coverage[1]) > 0


def test_ci_runs_the_two_blocks_back_to_back_in_one_folder():
    """.ci/run clears .venv once, before the first block, as a fresh clone has none."""
    script = (ROOT / ".ci" / "run").read_text()
    assert script.count("rm -rf .venv") == 1
    assert script.index("rm -rf .venv") < script.index('bash -euo pipefail -c "$install_line"') \
        < script.index('bash -euo pipefail -c "$test_block"')
