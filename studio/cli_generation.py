"""``kgstudio distill`` and ``kgstudio generate``: train the student, write with it.

Thin wrappers over :func:`generation.student.distill.distill_workspace` and
:func:`generation.student.api.load_student`; imports (torch, transformers, the pydantic
configs) happen inside the commands so that ``kgstudio --help`` stays fast.
"""
from __future__ import annotations

import json
import sys

import click

from generation.base import TASKS
from studio.cli import command, read_json_config, user_errors, workspace_option


@command("distill", "Train the student text generator on the workspace's curriculum text, "
                    "distilled from the GNN teacher; checkpoint in models/student/.")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="JSON file of StudentConfig fields (model size, budgets, loss weights); the "
                   "options below override it.")
@click.option("--epochs", type=int, default=None, help="Passes over the training pairs (default: the config's, 8).")
@click.option("--max-steps", type=int, default=None, help="Optimiser steps in all (overrides --epochs).")
@click.option("--time-budget", type=float, default=None, metavar="SECONDS",
              help="Stop training after this many seconds (the best weights so far are kept).")
@click.option("--batch-size", type=int, default=None, help="Training pairs per step (default 16).")
@click.option("--alpha", type=float, default=None, help="Weight of the KL term on the teacher's prerequisite soft labels (0.5).")
@click.option("--beta", type=float, default=None, help="Weight of the cosine term to the teacher's node embeddings (0.5).")
@click.option("--temperature", type=float, default=None, help="Distillation temperature T (2.0).")
@click.option("--teacher", "teacher_mode", type=click.Choice(["auto", "require", "none"]), default="auto",
              show_default=True, help="auto: distil from models/teacher when trained; none: the no-distillation ablation.")
@click.option("--pretrained", type=click.Path(exists=True, file_okay=False), default=None,
              help="Start from a local transformers seq2seq checkpoint folder instead of random weights.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--threads", type=int, default=0, show_default=True,
              help="CPU threads for torch (0: auto, one thread when the CPUs are already busy).")
@click.option("--resume", is_flag=True, help="Continue from models/student/last.pt.")
@click.option("--seed", type=int, default=None, help="Seed of the split, weights and batch order (0).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@workspace_option
@user_errors
def distill_cmd(workspace, config_file, epochs, max_steps, time_budget, batch_size, alpha, beta, temperature,
                teacher_mode, pretrained, device, threads, resume, seed, quiet):
    from generation.config import StudentConfig, StudentConfigError
    from generation.student.distill import configure_threads, distill_workspace
    over = {"epochs": epochs, "max_steps": max_steps, "time_budget_s": time_budget,
            "batch_size": batch_size, "alpha": alpha, "beta": beta, "temperature": temperature,
            "pretrained_path": pretrained, "seed": seed}
    kw = _config_file(config_file) if config_file else {}
    kw.update({k: v for k, v in over.items() if v is not None})
    kw.update(device=device, threads=threads or kw.get("threads", 0))
    if teacher_mode == "none":
        kw.update(alpha=0.0, beta=0.0)
    try:
        cfg = StudentConfig.from_dict(kw)
    except StudentConfigError as e:
        raise StudentConfigError(f"{config_file}: {e}" if config_file else str(e)) from None
    if resume:   # only what was given on the command line overrides the saved run
        from generation.student.checkpoint import load_student_checkpoint, student_dir
        saved = load_student_checkpoint(student_dir(workspace) / "last.pt").config.to_dict()
        saved.update(kw)
        cfg = StudentConfig.from_dict(saved)
    configure_threads(cfg)
    log = (lambda m: None) if quiet else (lambda m: click.echo(m, err=True))
    m = distill_workspace(workspace, cfg, resume=resume, teacher=teacher_mode,
                          progress=not quiet and sys.stderr.isatty(), log=log)
    click.echo(f"Trained {m['steps']} steps on {m['device']} in {m['seconds']:.1f} s "
               f"({m['total_seconds']:.1f} s with pairs and tokenizer); {m['params']:,} parameters")
    click.echo(f"  validation: ce {m.get('val_ce', float('nan')):.3f}, kl {m.get('val_kl', 0):.4f}, "
               f"cos {m.get('val_cos', 0):.3f}  ({m['train_pairs']} training / {m['val_pairs']} "
               "validation pairs)")
    click.echo(f"Checkpoint {m['checkpoint']} (id {m['id']}"
               + (f", teacher {m['teacher']})" if m["teacher"] else ", no teacher)"))


@command("train-selector", "Train the learned chooser of defining sentences on the workspace's glossary "
                          "definitions (lessons use it where a concept has no glossary entry); models/selector/.")
@click.option("--no-minilm", is_flag=True, help="Leave out the MiniLM features (no model load; usually weaker).")
@workspace_option
@user_errors
def train_selector_cmd(workspace, no_minilm):
    from generation.selector import train_workspace
    sel = train_workspace(workspace, embeddings=not no_minilm, log=lambda m: click.echo(m, err=True))
    click.echo(f"Selector written: {sel.why}; {sel.dev.get('train_concepts')} training / "
               f"{sel.dev.get('dev_concepts')} dev concepts")


def _config_file(path: str) -> dict:
    from generation.config import StudentConfigError
    return read_json_config(path, "StudentConfig", StudentConfigError)


def _resolve_concept(workspace, concept: str) -> str:
    """An IRI as given, or the best concept whose label matches the text."""
    if "://" in concept or concept.startswith("urn:"):
        return concept
    from kg.neighbourhood import NodeNotFound, find_concepts
    with workspace.open_store(read_only=True) as store:
        hits = find_concepts(store, concept, limit=1)
    if not hits:
        raise NodeNotFound(f"no concept label contains {concept!r}; give the IRI or look one up "
                           "with `kgstudio sparql`")
    return hits[0].iri


@command("generate", "Write a definition, explanation, prerequisite link, question or feedback "
                     "for a concept with the trained student (grounded in its graph neighbourhood).")
@click.option("--concept", "concept", required=True, metavar="IRI",
              help="The concept's IRI (or text of its label: the best match is used).")
@click.option("--task", type=click.Choice(list(TASKS)), default="definition", show_default=True)
@click.option("--target", metavar="IRI", default=None, help="prerequisite: the concept the focus leads to.")
@click.option("--wrong", metavar="TEXT", default=None, help="feedback: the wrong answer to respond to.")
@click.option("--question", metavar="TEXT", default=None, help="feedback: the question it answers.")
@click.option("--beams", type=int, default=None, help="Beam width (default: the checkpoint's; 1, greedy, for new students).")
@click.option("--no-grounding", is_flag=True, help="Decode without the grounding guards (for comparison).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--threads", type=int, default=0, show_default=True, help="CPU threads for torch (0: auto).")
@workspace_option
@user_errors
def generate_cmd(workspace, concept, task, target, wrong, question, beams, no_grounding, fmt, threads):
    from generation.student.api import load_student
    from generation.student.distill import configure_threads
    s = load_student(workspace)
    configure_threads(s.cfg, threads)
    if beams is not None and beams < 1:
        raise click.UsageError("--beams must be at least 1")
    focus = _resolve_concept(workspace, concept)
    ctx = {}
    if target:
        ctx["target"] = _resolve_concept(workspace, target)
    if wrong is not None:
        ctx["wrong"] = wrong
    if question:
        ctx["question"] = question
    if task == "prerequisite" and "target" not in ctx:
        raise click.UsageError("--task prerequisite needs --target IRI (the concept the focus leads to)")
    g = s.generate_batch([(focus, task, ctx or None)], grounded=False if no_grounding else None,
                         num_beams=beams)[0]
    if fmt == "json":
        d = g.to_dict()
        d["triples"] = [list(t.values()) if isinstance(t, dict) else t for t in d["triples"]]
        click.echo(json.dumps(d, indent=2, ensure_ascii=False))
        return
    click.echo(g.text or "(nothing grounded to say)")
    if "answer" in g.extra:
        click.echo(f"Answer: {g.extra['answer']}")
    click.echo(f"-- student {g.checkpoint}; {len(g.triples)} input triples; concepts named: "
               f"{', '.join(g.concepts) or 'none'}; logprob {g.scores.get('logprob', 0):.3f}", err=True)
