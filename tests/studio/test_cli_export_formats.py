"""``kgstudio export --format`` offers exactly the exporter registry's formats."""
from __future__ import annotations

from click.testing import CliRunner


def test_export_formats_come_from_the_registry(monkeypatch):
    from generation.export import EXPORTERS
    from studio.cli import cli
    monkeypatch.setitem(EXPORTERS, "new-format", EXPORTERS["gift"])
    r = CliRunner().invoke(cli, ["export", "--help"])
    assert r.exit_code == 0
    listed = r.output.split("--format [", 1)[1].split("]", 1)[0].split("|")
    assert listed == sorted(EXPORTERS) and "new-format" in listed
    bad = CliRunner().invoke(cli, ["export", "--format", "nope"])
    assert bad.exit_code == 2 and "'nope' is not one of" in bad.output
