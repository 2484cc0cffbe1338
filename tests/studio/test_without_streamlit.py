"""The CLI, the server and the domain packages need nothing of the studio's Streamlit side:
with ``streamlit`` made unimportable, every command's help and every non-page module of
``studio/`` still load, and the studio's page support (``studio/app_*.py``) is the only
part that needs it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import importlib, pkgutil, sys
sys.modules["streamlit"] = None          # any `import streamlit` now raises ImportError
import studio
from click.testing import CliRunner
from studio.cli import cli
needs = []
for m in pkgutil.iter_modules(studio.__path__):
    name = "studio." + m.name
    if m.name == "conftest" or m.ispkg:
        continue
    try:
        importlib.import_module(name)
    except ImportError as e:
        needs.append(m.name)
runner = CliRunner()
for name, cmd in sorted(cli.commands.items()):
    r = runner.invoke(cli, [name, "--help"])
    assert r.exit_code == 0, (name, r.output, r.exception)
print("NEEDS", " ".join(sorted(needs)))
print("COMMANDS", len(cli.commands))
"""


def test_cli_and_domain_modules_load_without_streamlit():
    r = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = dict(line.split(" ", 1) for line in r.stdout.splitlines() if line.startswith(("NEEDS", "COMMANDS")))
    needs = set(lines["NEEDS"].split())
    # only the page support of the Streamlit app needs Streamlit
    assert needs == {"app_content", "app_data", "app_state", "app_ui", "streamlit_app"}, needs
    assert int(lines["COMMANDS"]) >= 20
