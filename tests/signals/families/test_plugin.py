"""examples/custom_signal, installed as a package, joins riskoff through its entry point.

Everything runs in fresh processes with the plug-in on PYTHONPATH, so this process's
registry stays as shipped.
"""

import json
import os
import subprocess
import sys

import pytest

from tests import ROOT

NAME = "jgb_2s10s_steepening"


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory):
    target = tmp_path_factory.mktemp("plugin")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--target", str(target),
                    str(ROOT / "examples" / "custom_signal")], check=True, capture_output=True)
    return {**os.environ, "PYTHONPATH": str(target),
            "RISKOFF_HOME": str(tmp_path_factory.mktemp("home"))}


def run(env, *argv, check=True):
    return subprocess.run([sys.executable, *argv], env=env, capture_output=True, text=True,
                          cwd=ROOT, check=check, timeout=600)


def test_the_installed_component_is_in_the_score_and_the_default_weights(plugin_env):
    out = run(plugin_env, "-m", "backtests.cli", "score", "--at", "2022-12-21 01:00",
              "--format", "json").stdout
    parts = {p["name"]: p for p in json.loads(out)["components"]}
    assert parts[NAME]["family"] == "jgb" and parts[NAME]["weight"] == 0.05
    assert parts[NAME]["contribution"] is not None


def test_a_weights_file_can_name_it(plugin_env, tmp_path):
    weights = tmp_path / "w.toml"
    weights.write_text(f'base = "none"\n[weights]\n{NAME} = 1\nyen_rally = 1\n')
    out = run(plugin_env, "-m", "backtests.cli", "score", "--weights", str(weights),
              "--format", "json").stdout
    assert {p["name"] for p in json.loads(out)["components"]} == {NAME, "yen_rally"}


def test_it_passes_the_same_lookahead_contract_tests_as_the_built_in_ones(plugin_env):
    done = run(plugin_env, "-m", "pytest", "tests/signals/test_contract.py", "-k", NAME, "-q",
               "-p", "no:cacheprovider", check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout  # truncation, perturbation, shape: collected for it


def test_check_lookahead_on_the_plugin_function(plugin_env):
    done = run(plugin_env, "-m", "backtests.cli", "check-lookahead",
               "riskoff_custom_signal:on_macro", "--cutoffs", "8", "--since", "2015-01-01")
    assert "ok" in done.stdout


def test_it_shows_in_the_report(plugin_env, tmp_path):
    run(plugin_env, "-c", "import warnings; warnings.simplefilter('ignore');"
        "import signals, backtests; from backtests.report.page import build_report;"
        "m = signals.load_macro(); s = signals.risk_off_score(m);"
        f"assert s['{NAME}'].notna().any();"
        "p = {'BTC/USDT': backtests.load_prices('BTC/USDT')};"
        f"build_report(s, p, macro=m).save(r'{tmp_path / 'r.html'}')")
    assert (tmp_path / "r.html").stat().st_size > 100_000


def test_a_broken_plugin_warns_and_riskoff_still_works(tmp_path):
    broken = tmp_path / "broken_plugin-0.1.dist-info"
    broken.mkdir()
    (broken / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 0.1\n")
    (broken / "entry_points.txt").write_text("[riskoff.signals]\nbad = no_such_module_here\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "RISKOFF_HOME": str(tmp_path / "h")}
    done = run(env, "-W", "always", "-c",
               "import signals; from signals.families.registry import builtin_components;"
               "print(len(signals.components()), len(builtin_components()))")
    registered, builtin = map(int, done.stdout.split())
    assert registered == builtin  # the broken plug-in added nothing, the rest all loaded
    assert "plug-in 'bad' (no_such_module_here) was not loaded" in done.stderr
