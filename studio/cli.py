"""The ``kgstudio`` command line: one subcommand per job.

Every command takes ``-w/--workspace DIR`` (default: the current directory). Errors a user
can cause are printed as one message naming the file, line or item at fault, with exit
status 1; no tracebacks (set ``KGSTUDIO_DEBUG=1`` to see them).

Imports inside the commands are deliberate: each command imports the modules it runs (the
store, rdflib, the importers, torch, ...) in its body, so ``kgstudio --help`` and every
other command load only click and what they use (``kgstudio --help``: about 0.2 s).
"""
from __future__ import annotations

import functools
import json
import os
import re
import sys
import time
from pathlib import Path

import click

from kg.atomic import atomic_write
from kg.demo import demo_curriculum_path
from kg.errors import KGStudioError

COMMANDS_HELP: dict[str, str] = {}  # filled by @command; read by the docs test


def user_errors(f):
    """Turn KGStudioError into a clean message and exit status 1."""

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except KGStudioError as e:
            if os.environ.get("KGSTUDIO_DEBUG"):
                raise
            click.echo(f"error: {e}", err=True)
            sys.exit(1)

    return wrapper


def read_json_config(path: str, what: str, error: type[KGStudioError]) -> dict:
    """The JSON object in ``path`` (a ``--config`` file); ``error`` when it is not one."""
    try:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise error(f"{path}: not a readable JSON config ({e})") from e
    if not isinstance(d, dict):
        raise error(f"{path}: the config must be a JSON object of {what} fields")
    return d


def workspace_option(f):
    """Shared ``-w/--workspace`` option; passes a ``kg.workspace.Workspace``."""

    @click.option("-w", "--workspace", "workspace_dir", default=".", show_default=True,
                  type=click.Path(file_okay=False, path_type=Path),
                  help="Workspace folder (made by `kgstudio init`).")
    @functools.wraps(f)
    @user_errors
    def wrapper(*args, workspace_dir: Path, **kwargs):
        from kg.workspace import Workspace
        return f(*args, workspace=Workspace(workspace_dir), **kwargs)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kgstudio")
def cli():
    """kgstudio: curricula as a knowledge graph, a GNN teacher, a distilled student
    generator, and a studio to compose, review and export lessons and quizzes."""


def command(name: str, help: str):
    """Register a subcommand (also records its one-line help for the docs test)."""
    COMMANDS_HELP[name] = help
    return cli.command(name, help=help, short_help=help.split("\n")[0])


class _Bars:
    """tqdm progress bars keyed by what is being counted (importers call progress())."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bars: dict[str, object] = {}

    def __call__(self, what: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm
        bar = self.bars.get(what)
        if bar is None:
            bar = self.bars[what] = tqdm(total=total, desc=what, unit="", leave=False, file=sys.stderr)
        bar.total = total
        bar.n = done
        bar.refresh()

    def close(self):
        for bar in self.bars.values():
            bar.close()
        self.bars.clear()


# ---- init -------------------------------------------------------------------------------
@command("init", "Create a workspace folder (settings, embedded store, models/, exports/).")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--remote", metavar="URL", default=None,
              help="Use a remote SPARQL 1.1 endpoint (query URL) instead of the embedded store.")
@click.option("--update-url", metavar="URL", default=None, help="Remote SPARQL Update URL.")
@user_errors
def init_cmd(directory: Path, remote: str | None, update_url: str | None):
    from kg.workspace import Workspace
    overrides = {}
    if remote:
        overrides.update({"store.backend": "remote", "store.query_url": remote,
                          "store.update_url": update_url or ""})
    Workspace.init(directory, **overrides)
    click.echo(f"Created workspace {directory} ({'remote: ' + remote if remote else 'embedded store'})")


# ---- import -------------------------------------------------------------------------------
@command("import", "Import curricula (OpenStax CNXML, CASE JSON, Curricular Analytics CSV, "
                   "native YAML, BNCC); all land or none do.")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", default=None, help="Force the importer (default: detected).")
@click.option("--demo", is_flag=True, help="Import the bundled demo curriculum.")
@click.option("--no-validate", is_flag=True, help="Skip SHACL validation (not recommended).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@click.option("--no-embeddings", is_flag=True, help="Do not precompute the concept embeddings quizzes use.")
@workspace_option
@user_errors
def import_cmd(workspace, paths, fmt, demo, no_validate, quiet, no_embeddings):
    from kg.importing import import_into_workspace
    paths = list(paths)
    if demo:
        paths.append(demo_curriculum_path())
    if not paths:
        raise click.UsageError("give at least one PATH (or --demo)")
    bars = _Bars(enabled=not quiet and sys.stderr.isatty())
    log = (lambda m: None) if quiet else (lambda m: click.echo(m, err=True))
    t0 = time.perf_counter()
    try:
        summaries = import_into_workspace(workspace, paths, fmt=fmt, validate=not no_validate, progress=bars,
                                          log=log)
    finally:
        bars.close()
    for s in summaries:
        counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in s.counts.items() if v)
        click.echo(f"{s.source}: {s.triples} triples ({s.added} added, {s.removed} removed)"
                   + (f" — {counts}" if counts else ""))
    click.echo(f"Imported {len(summaries)} source(s) in {time.perf_counter() - t0:.1f} s")
    if not no_embeddings:
        # the concept embeddings the quiz's distractor ranking reads: computed once, here
        from generation.content.similarity import precompute
        from kg.embeddings import EmbeddingError
        t1 = time.perf_counter()
        try:
            n = precompute(workspace, log=log)
            click.echo(f"Concept embeddings for {n} concepts in {time.perf_counter() - t1:.1f} s")
        except EmbeddingError as e:
            click.echo(f"Concept embeddings not computed ({e}); quizzes will compute them", err=True)


# ---- validate / reason ------------------------------------------------------------------------
@command("validate", "Check every imported source graph against the SHACL shapes.")
@click.option("--limit", default=50, show_default=True, help="Show at most this many violations.")
@workspace_option
@user_errors
def validate_cmd(workspace, limit):
    from rdflib import Graph

    from ontology.validation import validate
    bad = 0
    with workspace.open_store() as store:
        graphs = [g for g in store.named_graphs() if "/graph/source/" in g]
        if not graphs:
            click.echo("No sources imported yet: `kgstudio import -w DIR PATH`.")
            return
        for g in graphs:
            data = Graph()
            data.parse(data=store.dump(g, "ntriples"), format="nt")
            report = validate(data)
            if report.conforms:
                click.echo(f"ok  {g} ({len(data)} triples)")
            else:
                bad += 1
                click.echo(f"BAD {g}: {len(report.results)} violation(s)\n{report.text(limit=limit)}")
    if bad:
        sys.exit(1)


@command("reason", "Run the OWL reasoner (HermiT): consistency, inferred classes and "
                   "transitive prerequisites into the inferred graph.")
@workspace_option
@user_errors
def reason_cmd(workspace):
    from kg.reasoning import reason_store
    with workspace.open_store() as store:
        out = reason_store(store)
    click.echo(", ".join(f"{k}: {v}" for k, v in out.items()))


# ---- stats / analytics --------------------------------------------------------------------------
@command("stats", "Graph statistics: triples per graph, nodes per type, edges per relation.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@workspace_option
@user_errors
def stats_cmd(workspace, fmt):
    from kg.stats import format_stats, graph_stats
    with workspace.open_store() as store:
        stats = graph_stats(store)
    click.echo(json.dumps(stats, indent=2, ensure_ascii=False) if fmt == "json" else format_stats(stats))


@command("analytics", "Curricular analytics (blocking/delay factor, centrality, complexity) and gap reports.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--gaps/--no-gaps", default=True, show_default=True, help="Include concept-level gap reports.")
@workspace_option
@user_errors
def analytics_cmd(workspace, fmt, gaps):
    from kg.analytics import curriculum_metrics, format_gap_report, format_metrics_table, gap_report
    with workspace.open_store() as store:
        out = {"curricula": curriculum_metrics(store)["curricula"]}
        if gaps:
            out["gaps"] = gap_report(store)["curricula"]
    if fmt == "json":
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    click.echo(format_metrics_table(out))
    if gaps:
        click.echo("\n" + format_gap_report({"curricula": out["gaps"]}))


# ---- sparql / serve ------------------------------------------------------------------------------
def _with_default_prefixes(query: str) -> str:
    """Declare the well-known prefixes (``kg.results.PREFIXES``: skos, rdfs, kgs, schema, ...)
    that ``query`` uses without declaring, on its first line so error line numbers hold."""
    from kg.results import PREFIXES
    missing = [p for p in PREFIXES if re.search(rf"(?<![\w.-]){p}:", query)
               and not re.search(rf"(?i)\bPREFIX\s+{p}\s*:", query)]
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}> " for p in missing) + query


@command("sparql", "Run a SPARQL query (a string, @FILE, or - for stdin) and print the results.")
@click.argument("query")
@click.option("--format", "fmt", default="table", show_default=True,
              type=click.Choice(["table", "json", "xml", "csv", "tsv", "turtle", "ntriples", "jsonld", "rdfxml"]))
@click.option("--timeout", type=float, default=None, help="Cut the query after this many seconds.")
@click.option("--limit", "max_results", type=int, default=None, help="Return at most this many rows.")
@workspace_option
@user_errors
def sparql_cmd(workspace, query, fmt, timeout, max_results):
    from kg.results import serialize
    from kg.store.base import GraphResult
    if query == "-":
        query = sys.stdin.read()
    elif query.startswith("@"):
        try:
            query = Path(query[1:]).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise KGStudioError(f"{query[1:]}: cannot read the query file ({getattr(e, 'strerror', None) or e})")
    query = _with_default_prefixes(query)
    with workspace.open_store() as store:
        result = store.query(query, timeout=timeout, max_results=max_results)
    if fmt == "table" and isinstance(result, GraphResult):
        fmt = "turtle"
    out = serialize(result, fmt)
    click.echo(out.decode("utf-8"), nl=not out.endswith(b"\n"))
    if getattr(result, "truncated", False):
        click.echo(f"(truncated at {max_results} rows)", err=True)


@command("serve", "Serve the workspace as a SPARQL 1.1 Protocol endpoint at /sparql "
                  "(read-only unless an update token is configured).")
@click.option("--host", default=None, help="Address to listen on (setting serve.host).")
@click.option("--port", type=int, default=None, help="Port (setting serve.port).")
@click.option("--timeout", type=float, default=None, help="Query timeout in s (serve.query_timeout_s).")
@click.option("--max-results", type=int, default=None, help="Row cap (serve.max_results).")
@click.option("--in-memory/--on-disk", default=None,
              help="Answer from an in-memory copy of the store (serve.in_memory, default on).")
@workspace_option
@user_errors
def serve_cmd(workspace, host, port, timeout, max_results, in_memory):
    from studio.server import serve
    serve(workspace, host=host, port=port, query_timeout_s=timeout, max_results=max_results,
          in_memory=in_memory)


# ---- export-graph ------------------------------------------------------------------------------
@command("export-graph", "Export the graph: RDF (nquads, trig, turtle, ntriples) or a "
                         "torch_geometric HeteroData file (pt) with MiniLM node features.")
@click.option("--format", "fmt", type=click.Choice(["pt", "nquads", "trig", "turtle", "ntriples"]),
              default="pt", show_default=True)
@click.option("--graph", default=None, help="One named graph (turtle/ntriples need one).")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Output file (default: exports/graph.<ext> in the workspace).")
@workspace_option
@user_errors
def export_graph_cmd(workspace, fmt, graph, out):
    ext = {"pt": "pt", "nquads": "nq", "trig": "trig", "turtle": "ttl", "ntriples": "nt"}[fmt]
    out = out or workspace.exports_dir / f"graph.{ext}"
    out.parent.mkdir(parents=True, exist_ok=True)
    with workspace.open_store() as store:
        if fmt == "pt":
            from kg.hetero import export_heterodata
            export_heterodata(store, out, model=workspace.settings["embeddings.model"], log=lambda m: click.echo(m, err=True))
        else:
            atomic_write(out, store.dump(graph, fmt))
    click.echo(f"Wrote {out}")


# ---- settings -----------------------------------------------------------------------------------
@command("settings", "List the workspace settings (name, value, default, what it does).")
@click.option("-w", "--workspace", "workspace_dir", default=None,
              type=click.Path(file_okay=False, path_type=Path), help="Show this workspace's values.")
@user_errors
def settings_cmd(workspace_dir):
    from kg.settings import SETTINGS
    values = {}
    if workspace_dir is not None:
        from kg.workspace import Workspace
        values = Workspace(workspace_dir).settings
    for s in SETTINGS:
        shown = f" = {values[s.name]!r}" if values else ""
        click.echo(f"{s.name}{shown}  (default {s.default!r})\n    {s.help}")


# ---- the GNN teacher (gnn/) -----------------------------------------------------------------------
@command("train-teacher", "Train the GNN teacher on the workspace graph (prerequisites, every "
                          "relation, node labels); checkpoint, metrics and curves in models/teacher/.")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="JSON file of TeacherConfig fields (see gnn/config.py); the options below override it.")
@click.option("--epochs", type=int, default=None, help="Epochs (default: the config's, 100).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--arch", type=click.Choice(["sage", "hgt", "rgcn"]), default=None,
              help="Message passing (default rgcn; see gnn/model.py).")
@click.option("--resume", is_flag=True, help="Continue from models/teacher/last.pt.")
@click.option("--no-text", is_flag=True, help="Structural node features only (no MiniLM embeddings).")
@click.option("--batch", type=click.Choice(["full", "mini"]), default="full", show_default=True,
              help="Full graph per step, or neighbour-sampled mini-batches (needs kgstudio[scale]).")
@click.option("--threads", type=int, default=0, show_default=True,
              help="CPU threads for torch (0: auto, one thread for graphs under 200k edges).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@workspace_option
@user_errors
def train_teacher_cmd(workspace, config_file, epochs, device, arch, resume, no_text, batch, threads, quiet):
    from gnn.checkpoint import load_checkpoint, teacher_dir
    from gnn.config import ConfigError, TeacherConfig
    from gnn.data import build_teacher_data
    from gnn.train import TrainError, minibatch_available, pick_device, train_teacher
    out = teacher_dir(workspace)
    log = (lambda m: None) if quiet else (lambda m: click.echo(m, err=True))
    if resume:
        base = load_checkpoint(out / "last.pt").config.to_dict()
        if arch and arch != base["arch"]:
            raise click.UsageError(f"--arch {arch}: the run to resume uses {base['arch']}")
        if no_text and base["use_text"]:
            raise click.UsageError("--no-text: the run to resume uses text features")
    else:
        base = {}
    if config_file:
        base.update(read_json_config(config_file, "TeacherConfig", ConfigError))
    if arch:
        base["arch"] = arch
    if no_text:
        base["use_text"] = False
    base.update(device=device, batch=batch, threads=threads or base.get("threads", 0))
    if epochs is not None:
        base["epochs"] = epochs
    try:
        cfg = TeacherConfig.from_dict(base)
    except ConfigError as e:
        raise ConfigError(f"{config_file}: {e}" if config_file else str(e)) from None
    pick_device(cfg)                      # fail before the (slow) graph export, not after
    if cfg.batch == "mini" and not minibatch_available():
        raise TrainError("--batch mini needs pyg-lib or torch-sparse: install the optional extra "
                         "with `pip install --no-build-isolation 'kgstudio[scale]'` (about 20 "
                         "minutes to build on 2 cores), or train full-batch")
    t0 = time.perf_counter()
    with workspace.open_store() as store:
        td = build_teacher_data(store, embed=cfg.use_text, difficulty_bins=cfg.difficulty_bins,
                                model=workspace.settings["embeddings.model"], log=log)
    r = train_teacher(td, cfg, out_dir=out, resume=resume, progress=not quiet and sys.stderr.isatty(),
                      log=log)
    m = r.metrics
    click.echo(f"Trained {m['epochs']} epochs on {m['device']} in {time.perf_counter() - t0:.1f} s "
               f"({r.epoch_seconds:.3f} s/epoch)")
    for k in ("test_prereq_auc", "test_prereq_ap", "test_prereq_f1", "test_link_auc"):
        if m.get(k) is not None:
            click.echo(f"  {k} = {m[k]:.4f}")
    curves = f"; curves {out / 'curves.png'}" if (out / "curves.png").is_file() else ""
    click.echo(f"Checkpoint {r.checkpoint} (sha256 {r.sha256[:16]}){curves}")


@command("evaluate-teacher", "Score the trained teacher on its test split: AUC, AP, and P/R/F1 "
                             "at the threshold chosen on validation.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@workspace_option
@user_errors
def evaluate_teacher_cmd(workspace, fmt):
    from gnn.evaluate import evaluate_teacher
    m = evaluate_teacher(workspace)
    if fmt == "json":
        click.echo(json.dumps(m, indent=2, sort_keys=True, default=float))
        return
    for k, v in sorted(m.items()):
        if isinstance(v, dict):
            v = ", ".join(f"{a}={b:.3f}" if isinstance(b, float) else f"{a}={b}" for a, b in v.items())
        elif isinstance(v, float):
            v = f"{v:.4f}"
        click.echo(f"{k:40s} {v}")


@command("suggest-prereqs", "Suggest the top-k new prerequisite edges with confidence, written "
                            "with PROV-O provenance to the suggestions graph (never the curriculum).")
@click.option("--top-k", type=int, default=50, show_default=True)
@click.option("--node-type", default=None, help="Node type to pair (default: the labelled one, or concept).")
@click.option("--max-per-node", type=int, default=3, show_default=True,
              help="At most this many suggestions per node on either side (0: no cap).")
@click.option("--dry-run", is_flag=True, help="Print the suggestions without writing them.")
@click.option("--iris", "show_iris", is_flag=True, help="Print each node's IRI after its label.")
@click.option("--neighbours", type=int, default=10, show_default=True,
              help="Candidates: each node's N most similar nodes by text (0: every pair).")
@click.option("--no-definitions", is_flag=True,
              help="Leave out the book's definition links (the teacher's neighbour pairs only).")
@workspace_option
@user_errors
def suggest_prereqs_cmd(workspace, top_k, node_type, max_per_node, dry_run, show_iris, neighbours,
                        no_definitions):
    from gnn.suggest import suggest_prereqs
    out, info = suggest_prereqs(workspace, top_k=top_k, node_type=node_type,
                                max_per_node=max_per_node, neighbours=neighbours,
                                write=not dry_run, definitions=not no_definitions)
    for s in out:
        _echo_suggestion(s.rank, s.score, s.band, s.text(iris=show_iris), s.evidence)
    if not out:
        click.echo("No suggestions: " + (
            "the curriculum's text gives no candidates (no definition names another concept, no "
            "statements are tagged with grade levels) and no teacher is trained; run `kgstudio "
            "train-teacher` for the teacher's neighbour pairs" if info.get("method", "").startswith("the curriculum")
            else "every candidate is already a prerequisite, a decision, or would close a cycle"))
    if out and out[0].node_type != "concept":
        click.echo(f"Pairs of {out[0].node_type} nodes (use --node-type to pair another type)")
    if info.get("method"):
        click.echo(f"List: {info['method']} ({info.get('links') or 0} text link(s) kept)")
    if info.get("calibration"):
        click.echo(f"Teacher probabilities calibrated on: {info['calibration']}")
    if info.get("written"):
        click.echo(f"Wrote {info['suggestions']} suggestion(s) to <{info['graph']}> "
                   f"(activity <{info['activity']}>)")


def _echo_suggestion(rank: int, score: float, band: str | None, text: str, evidence, decision: str = "") -> None:
    band = f" {band:8s}" if band else ""
    click.echo(f"{rank:4d}  {score:.3f}{band}  {text}{decision}")
    for line in evidence:
        click.echo(f"        - {line}")
    if not evidence:
        click.echo("        - no evidence found in the text or the accepted prerequisites")


@command("suggestions", "List the stored prerequisite suggestions, best first: probability, band, "
                        "evidence lines and any decision, as written by suggest-prereqs.")
@click.option("--iris", "show_iris", is_flag=True, help="Print each node's IRI after its label.")
@workspace_option
@user_errors
def suggestions_cmd(workspace, show_iris):
    from kg.decisions import list_suggestions
    with workspace.open_store(read_only=True) as store:
        rows = list_suggestions(store)
    if not rows:
        click.echo("No suggestions stored; run `kgstudio suggest-prereqs` (no teacher needed: the book's "
                   "definitions are enough to start).")
        return
    for r in rows:
        a = f"{r.a_label} <{r.a}>" if show_iris else r.a_label
        b = f"{r.b_label} <{r.b}>" if show_iris else r.b_label
        decided = f"  [{r.decision.status} by {r.decision.who}]" if r.decision else ""
        _echo_suggestion(r.rank, r.score, r.band, f"{a}  requires  {b}", r.evidence, decided)
    if not any(r.band for r in rows):
        click.echo("Scores not calibrated (too few known prerequisites): read them as a ranking.")


# ---- commands that live in their own modules ------------------------------------------
# Each module below registers its subcommands with @command when imported; a module that
# is not there yet (an issue in progress) is simply left out.
import importlib  # noqa: E402

for _mod in ("studio.cli_generation", "studio.cli_content", "studio.cli_export", "studio.cli_app"):
    try:
        importlib.import_module(_mod)
    except ModuleNotFoundError as _e:
        if _e.name != _mod:
            raise


def main():  # console script entry point
    cli(prog_name="kgstudio")


if __name__ == "__main__":
    main()
