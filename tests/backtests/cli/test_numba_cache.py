"""numba's compiled-code cache goes to the user cache folder, never into the installed package."""

import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import backtests
from backtests.engine import kernel, rules
from backtests.research import sweep
paths = {f._cache._cache_path for m in (kernel, rules, sweep) for f in vars(m).values()
         if hasattr(f, "_cache") and hasattr(f._cache, "_cache_path")}
print("\\n".join(sorted(paths)))
"""


def _cache_paths(env: dict, cwd: Path) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=cwd, capture_output=True,
                          text=True, check=True)
    return done.stdout.split()


def test_compiled_functions_cache_under_the_user_cache_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    paths = _cache_paths(env, tmp_path)
    package = Path(__import__("backtests").__file__).parent
    assert len(paths) == 2  # one folder for the engine's source files, one for research's
    for path in paths:
        assert path.startswith(str(tmp_path / "cache" / "riskoff" / "numba"))
        assert not path.startswith(str(package))


def test_a_cache_folder_the_user_chose_wins(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "mine"))
    assert all(p.startswith(str(tmp_path / "mine")) for p in _cache_paths(env, tmp_path))
