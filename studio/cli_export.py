"""``kgstudio export``: content packs for learning platforms (see ``generation.export``).

The exporters (lxml, the content repository) are imported when the command runs or the
format list is asked for, not when the CLI loads.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from studio.cli import _Bars, command, user_errors, workspace_option



class ExportFormat(click.Choice):
    """The names in the exporter registry (:data:`generation.export.EXPORTERS`), read when
    the option is parsed or its help is shown, so a newly registered format is offered
    without touching the CLI, and commands that export nothing do not load the exporters."""

    def __init__(self):
        super().__init__([])

    @property
    def choices(self):
        from generation.export import EXPORTERS
        return sorted(EXPORTERS)

    @choices.setter
    def choices(self, _value):
        pass


@command("export", "Export a content pack: IMS Common Cartridge 1.1, Moodle XML, GIFT, Canvas QTI, "
                   "a static HTML site, Markdown, or JSON-LD/Turtle with provenance.")
@click.option("--format", "fmt", type=ExportFormat(), required=True, help="Pack format.")
@click.option("--out", "out", type=click.Path(path_type=Path), default=None,
              help="Output file (folder for html/markdown); default exports/pack.<ext> in the workspace.")
@click.option("--scope", type=click.Choice(["course", "chapter", "section", "concepts"]), default="course",
              show_default=True, help="course (everything, or the curricula given), chapter/section (the "
                                      "IRIs given), concepts (items about the concept IRIs given).")
@click.argument("scope_iris", nargs=-1, metavar="[IRI[,IRI...]]...")
@click.option("--include-drafts", is_flag=True, help="Also export items not yet approved (never rejected ones).")
@click.option("--title", default=None, help="Pack title (default: the curriculum's).")
@click.option("--no-validate", is_flag=True, help="Skip the XSD/Schematron check of imscc and qti-canvas packs.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@workspace_option
@user_errors
def export_cmd(workspace, fmt, out, scope, scope_iris, include_drafts, title, no_validate, quiet):
    """Build a pack of the workspace's approved lessons, quizzes and diagrams, organised by the
    course structure, and write it atomically to --out."""
    from generation.export import get_exporter
    from generation.export.pack import collect_pack
    exporter = get_exporter(fmt)
    if out is None:
        out = workspace.exports_dir / (f"pack-{fmt}" if exporter.is_directory else f"pack{exporter.suffix}")
    bars = _Bars(enabled=not quiet and sys.stderr.isatty())
    t0 = time.perf_counter()
    schemas = workspace.settings.get("export.schemas_dir") or None
    try:
        with workspace.open_store(read_only=True) as store:
            pack = collect_pack(store, scope=scope, iris=scope_iris, include_drafts=include_drafts,
                                title=title, progress=bars)
            exporter = type(exporter)()          # a private instance for this run's options
            exporter.validate = not no_validate
            exporter.schemas_dir = schemas
            result = exporter.export(pack, out, progress=bars)
    finally:
        bars.close()
    if result.validation is not None:
        click.echo(f"Validated {len(result.validation.checked)} file(s) against the IMS schemas"
                   + (" and Schematron" if fmt == "imscc" else "") + " and the manifest against the zip: ok")
    counts = result.counts
    kinds = ", ".join(f"{counts.get(k, 0)} {k}" for k in ("lessons", "quizzes", "diagrams", "paths") if counts.get(k))
    items = ", ".join(f"{v} {k.split(':', 1)[1]}" for k, v in sorted(counts.items()) if k.startswith("item:"))
    click.echo(f"Wrote {out} ({fmt}, {len(result.files)} file(s)) in {time.perf_counter() - t0:.1f} s: "
               f"{kinds}" + (f"; quiz items: {items}" if items else ""))
    if pack.include_drafts:
        click.echo("note: --include-drafts: the pack holds items that are not approved yet")
    for line in result.notes:
        click.echo(f"converted: {line}", err=True)
    for line in result.skipped:
        click.echo(f"left out: {line}", err=True)

