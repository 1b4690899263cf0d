"""Every example runs offline on the bundled data."""

import subprocess
import sys
from pathlib import Path

from tests import ROOT

EXAMPLES = ROOT / "examples"
DOCS = ROOT / "docs"


def offline_env(tmp_path) -> dict:
    """An empty store, the venv's commands first on PATH, and every proxy on a closed port."""
    return {"RISKOFF_HOME": str(tmp_path / "home"), "HOME": str(tmp_path),
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "MPLBACKEND": "Agg",
            "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}


def run_example(name: str, tmp_path, *args: str, env: dict | None = None) -> str:
    command = ["bash"] if name.endswith(".sh") else [sys.executable]
    done = subprocess.run([*command, str(EXAMPLES / name), *args], capture_output=True,
                          text=True, env={**offline_env(tmp_path), **(env or {})}, timeout=600,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return done.stdout


def quoted_in_docs(output: str, page: str) -> None:
    """Every line a script printed stands in docs/`page` as printed: the page quotes it."""
    text = (DOCS / page).read_text(encoding="utf-8")
    stale = [line for line in output.splitlines() if line.strip() and line not in text]
    assert not stale, f"docs/{page} quotes an older output; paste the script's: {stale}"


def test_score_episodes_prints_its_table(tmp_path):
    lines = run_example("score_episodes.py", tmp_path).splitlines()
    assert lines[0].startswith("| as of (UTC) | what happened | score | regime |")
    rows = [line.split(" | ") for line in lines[2:]]
    assert len(rows) == 10
    assert all(0 <= float(row[2]) <= 100 for row in rows)
    assert {row[3] for row in rows} <= {"calm", "watch", "stress", "unwind"}


def test_seeds_scenario_prints_both_readings(tmp_path):
    lines = run_example("seeds_scenario.py", tmp_path).splitlines()
    assert "jgb40y record" in lines[0] and "bp from the latest 40Y yield" in lines[0]
    rows = [line.split(" | ") for line in lines if line.startswith("| default") or
            line.startswith("| with the repatriation")]
    assert len(rows) == 2
    for row in rows:
        now, shocked = float(row[1].split()[0]), float(row[2])
        assert 0 <= now <= 100 and 0 <= shocked <= 100
        assert shocked > now  # every move of the scenario points risk-off
    quoted_in_docs("\n".join(lines), "signals.md")


def test_the_availability_margins_table_in_the_docs_is_what_its_script_prints(tmp_path):
    out = run_example(str(DOCS / "availability_margin.py"), tmp_path)
    assert "| now (with the margins) |" in out
    quoted_in_docs(out, "signals.md")


def test_the_risk_gate_refuses_in_an_unwind_and_says_why_now(tmp_path):
    lines = run_example("risk_gate.py", tmp_path).splitlines()
    assert "regime unwind, score 68.1" in lines[0]  # the regime-change log line
    assert lines[1].startswith("2022-12-28: stay out (exposure 0): refuse:")
    now = next(line for line in lines if line.startswith("now: "))
    # the bundled data end in 2023: no score is held that long (max_hold), and it says so
    assert now.startswith("now: stay out (exposure 0): refuse: gate risk_off (no usable score "
                          "for ") and "longer than max_hold 3 days (hold_last)" in now


def test_the_command_line_script_backtests_btc_and_eth_with_a_report(tmp_path):
    out = run_example("backtest_btc_eth.sh", tmp_path, str(tmp_path / "report.html"))
    assert "BTC/USDT, ETH/USDT 1d, rule threshold:70:55" in out
    assert "rank IC" in out and "combinations, best 5" in out
    assert (tmp_path / "report.html").stat().st_size > 100_000


def test_the_research_notebook_runs_on_a_real_kernel(tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    for key, value in offline_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("MPLBACKEND")  # the kernel's inline backend shows the charts
    notebook = nbformat.read(EXAMPLES / "research.ipynb", as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("Sharpe Ratio" in h for h in html)  # the backtest displayed itself
    assert any("image/png" in o.get("data", {}) for o in outputs)  # charts were drawn


def test_the_freqtrade_http_strategy_reads_the_service_and_takes_no_risk_without_it(
        tmp_path, store):
    from backtests.service.app import ServiceSettings, create_app
    from tests.backtests.service import free_port, serving

    local = {"NO_PROXY": "127.0.0.1"}
    with serving(create_app(ServiceSettings(store=str(store.path)))) as http:
        served = run_example("freqtrade_http_strategy.py", tmp_path, str(http.base_url),
                             env=local)
    nothing = run_example("freqtrade_http_strategy.py", tmp_path,
                          f"http://127.0.0.1:{free_port()}", env=local)
    # the bundled data end in 2023: the service's reading today rests on old data
    assert served.startswith("no risk taken: the score rests on old data (stale: True, ")
    assert nothing.startswith("no risk taken: the service at http://127.0.0.1:")
    assert "gave no reading (URLError: <urlopen error [Errno 111] Connection refused>)" in nothing


def test_the_deployment_files_run_options_riskoff_serve_has():
    """The systemd unit's and the Dockerfile's commands parse as `riskoff serve` options."""
    import shlex

    from backtests.cli.serve import serve

    unit = (EXAMPLES / "deploy" / "riskoff.service").read_text()
    exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    docker = (EXAMPLES / "deploy" / "Dockerfile").read_text()
    cmd = next(line for line in docker.splitlines() if line.startswith("CMD "))
    for command in (exec_start.partition("=")[2], cmd.split("exec ")[1].rstrip('"]')):
        words = shlex.split(command)
        args = words[words.index("serve") + 1:]
        context = serve.make_context("serve", args)
        assert context.params["port"] == 8765
    for line in docker.splitlines():
        if line.startswith("COPY "):
            for name in line.split()[1:-1]:
                assert (ROOT / name).exists(), name
