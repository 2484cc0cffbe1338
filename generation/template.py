"""The template realiser: jinja2 renderings of a node's triples, one template per task.

It implements :class:`generation.base.Generator` for every task of
:data:`generation.base.TASKS`, so content builders work before any student is trained,
and it is the baseline the student is benchmarked against. Templates live in
``generation/templates/<task>.txt.j2``; they produce plain text (no autoescape: whatever
renders the text into HTML or XML escapes it there). The generator's ``checkpoint`` is
``templates-<sha256 of the template files, 12 hex>``, so provenance names the exact
template set.

How the sentences are made (the approach of classic rule-based realisers, e.g. SimpleNLG,
reduced to what a concept graph gives):

* a definition ``"A finite, ordered list..."`` of *Algorithm* becomes "An algorithm is a
  finite, ordered list..." when the definition starts with an article (the article of the
  label is chosen by its first sound: *a*/*an*), and "“Algorithm” means ..." otherwise;
* mid-sentence a label loses its initial capital ("while loop") unless it looks like a
  name or an acronym (more than one capital, or the definition repeats it capitalised);
* lists read "A, B and C"; at most :data:`MAX_LIST` names, then "and N more".

``context`` keys it reads (besides the protocol's ``target`` and ``wrong``):
``wrong_concept`` (IRI of the concept a wrong answer stands for: its definition goes into the
feedback), ``correct`` (feedback on a right answer), ``style`` (``question``: ``term`` asks
for the term from its definition, ``open`` asks to explain the concept) and
``lesson_section`` (``explanation`` inside a lesson on that section: the "introduced in"
sentence is left out). Other generators may ignore them.

Limitations: English only (the labels of a Portuguese curriculum are used as they are in
English sentences); the article rule knows a few exceptions ("an hour", "a user") but not
all; definitions that are not noun phrases read less smoothly in "X is ..." form, which is
why only those starting with an article get it.

>>> from generation.content.graph import ConceptInfo
>>> defines(ConceptInfo("urn:a", "Algorithm", "A finite list of steps."))
'An algorithm is a finite list of steps.'
>>> defines(ConceptInfo("urn:p", "Psychology", "scientific study of the mind"))
'“Psychology” means scientific study of the mind.'
>>> listing(["a", "b", "c"])
'a, b and c'
"""
from __future__ import annotations

import hashlib
import re
from collections import deque
from functools import lru_cache
from pathlib import Path

import jinja2

from generation.base import Generation, Triple, check_task
from generation.content.graph import GraphView
from kg.neighbourhood import NodeNotFound
from kg.store.base import Store

__all__ = ["TemplateGenerator", "TEMPLATE_DIR", "template_checkpoint", "defines", "listing", "mid", "mask", "first_sentence",
           "article", "environment"]

TEMPLATE_DIR = Path(__file__).with_name("templates")
MAX_LIST = 5          # names listed in one sentence before "and N more"
_ARTICLES = ("A ", "An ", "The ")
_VOWEL_SOUND_EXCEPTIONS = {"hour", "honest", "honor", "honour", "heir"}
_CONSONANT_SOUND_EXCEPTIONS = ("uni", "use", "usu", "one", "eu", "uti")


@lru_cache(maxsize=1)
def template_checkpoint() -> str:
    """Id of the template set: a hash of every template file (name and bytes)."""
    h = hashlib.sha256()
    for p in sorted(TEMPLATE_DIR.glob("*.j2")):
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return "templates-" + h.hexdigest()[:12]


def _is_name(label: str, definition: str = "", name_like: bool = False) -> bool:
    """True when a label keeps its capital mid-sentence (acronym, proper name)."""
    if name_like:
        return True
    first = label.split(" ", 1)[0]
    if not first or not first[0].isupper():   # lower-case already, or a symbol first ("#include")
        return bool(first) and not first[0].isalpha()
    if sum(ch.isupper() for ch in first) > 1 or any(ch.isdigit() for ch in first):
        return True
    # the definition uses the word capitalised mid-sentence: a name ("Freud", "Python")
    return bool(re.search(r"[^.!?]\s" + re.escape(first) + r"\b", definition))


def mid(c) -> str:
    """A concept's label as it reads inside a sentence."""
    label = c if isinstance(c, str) else c.label
    definition = "" if isinstance(c, str) else (c.definition or "")
    if not label or _is_name(label, definition, getattr(c, "name_like", False)):
        return label
    return label[0].lower() + label[1:]


def article(word: str) -> str:
    """'a' or 'an' for ``word`` by its first sound (common exceptions known).

    >>> article("algorithm"), article("user"), article("hour"), article("loop")
    ('an', 'a', 'an', 'a')
    """
    w = word.lower()
    if any(w.startswith(x) for x in _VOWEL_SOUND_EXCEPTIONS):
        return "an"
    if any(w.startswith(x) for x in _CONSONANT_SOUND_EXCEPTIONS):
        return "a"
    return "an" if w[:1] in "aeiou" else "a"


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text[-1] in ".!?…" else text + "."


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (a full stop followed by a capital ends it).

    >>> first_sentence("A list. It can grow. ")
    'A list.'
    """
    text = " ".join(text.split())
    m = re.search(r"(?<=[.!?])\s+(?=[A-Z\"“(])", text)
    return text[:m.start()] if m else text


def defines(c, short: bool = False) -> str:
    """One sentence saying what concept ``c`` (label + definition) is (``short``: only the
    definition's first sentence)."""
    d = " ".join((c.definition or "").split())
    if short:
        d = first_sentence(d)
    if not d:
        return f"{c.label} has no definition in this curriculum."
    label = c.label.replace("`", "").casefold()
    if d[:1].isupper() and re.search(rf"(?<!\w){re.escape(label)}(?!\w)",
                                     first_sentence(d).replace("`", "").casefold()):
        # a defining sentence of the book ("A statement describes some action to be
        # carried out.", CNXML books without a glossary) already names the concept
        return _sentence(d)
    if d.startswith(_ARTICLES) and not d.lower().startswith(c.label.lower()):
        body = d[0].lower() + d[1:]
        name = mid(c)
        if name == c.label or d.startswith("The "):
            return _sentence(f"{c.label} is {body}")
        subject = f"{article(name)} {name}"
        return _sentence(f"{subject[0].upper()}{subject[1:]} is {body}")
    if re.match(r"(?:is|are|was|were)\s", d):      # "are rates of change …": no "means are"
        return _sentence(f"“{c.label}” {d}")
    first = d.split(" ", 1)[0]
    if first[:1].isupper() and first[1:].islower() and not _is_name(first, d[len(first):]):
        d = d[:1].lower() + d[1:]                  # "means One of the operators …": a sentence's capital
    return _sentence(f"“{c.label}” means {d}")


def listing(items) -> str:
    """Names joined as "A, B and C" (concepts by their mid-sentence label)."""
    names = [mid(x) for x in items]
    if len(names) > MAX_LIST:
        rest = len(names) - (MAX_LIST - 1)
        names = names[:MAX_LIST - 1] + [f"{rest} more"]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def mask(label: str, text: str) -> str:
    """``text`` with the label (whole words, any case) replaced by "…", so a definition does
    not give its own term away."""
    return re.sub(r"(?i)\b" + re.escape(label) + r"\b", "…", text) if label else text


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The jinja2 environment of the task templates (plain text: no autoescape); the
    lesson/quiz renderers (``*.html.j2`` autoescaped) use an overlay of it with their own
    helpers (:mod:`generation.content.render`)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
                             autoescape=jinja2.select_autoescape(["html.j2", "html", "xml"]),
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False,
                             undefined=jinja2.StrictUndefined)
    env.globals.update(defines=defines, listing=listing, mid=mid, article=article)
    return env


def _view_of(workspace):
    """A GraphView from a GraphView, a Store, or a Workspace (opened read-only)."""
    if isinstance(workspace, GraphView):
        return workspace, None
    if isinstance(workspace, Store):
        return GraphView(workspace), None
    store = workspace.open_store(read_only=True)
    return GraphView(store), store


class TemplateGenerator:
    """jinja2 realisation of a concept's triples for every task (see the module docstring).

    ``workspace`` is a :class:`kg.workspace.Workspace` (its store is opened read-only and
    kept), a :class:`kg.store.base.Store`, or a :class:`generation.content.graph.GraphView`
    (shares its caches with the content builders).
    """

    name = "template"

    def __init__(self, workspace):
        self.view, self._own_store = _view_of(workspace)
        self.checkpoint = template_checkpoint()

    def close(self) -> None:
        if self._own_store is not None:
            self._own_store.close()
            self._own_store = None

    def generate(self, focus: str, task: str, *, context: dict | None = None) -> Generation:
        check_task(task)
        context = context or {}
        v = self.view
        focus = str(focus)
        if focus not in v.concepts:
            return self._non_concept(focus, task, context)
        c = v.concept(focus)
        triples = v.concept_triples(focus)
        concepts = [focus]
        extra: dict = {}
        env = environment()
        section = ""
        secs = v.sections_teaching(focus) if task == "explanation" or (task == "definition" and not c.definition) else []
        if secs and context.get("lesson_section") == secs[0]:
            secs = []          # a lesson on that very section: saying where it is taught is noise
        if secs:
            section = v.section(secs[0]).label
            triples.append(Triple(focus, "https://w3id.org/kgstudio/ns#definedIn", secs[0]))
        if task == "definition":
            text = env.get_template("definition.txt.j2").render(c=c, section=section)
        elif task == "explanation":
            order = v.teaching_order
            prereqs = [v.concept(p) for p in order(v.requires.get(focus, ()))]
            users = [v.concept(u) for u in order(v.required_by.get(focus, ()))]
            related = [v.concept(r) for r in sorted(v.related.get(focus, ()), key=lambda r: v.label(r))
                       if r in v.concepts]
            concepts += [x.iri for x in prereqs + users + related]
            text = env.get_template("explanation.txt.j2").render(
                c=c, prereqs=prereqs, users=users, related=related, section=section)
        elif task == "prerequisite":
            target = context.get("target")
            if not target:
                raise ValueError("the 'prerequisite' task needs context={'target': IRI}")
            t = v.concept(str(target))
            direct = focus in v.requires.get(t.iri, ())
            chain = [] if direct else self._chain(t.iri, focus)
            triples += v.concept_triples(t.iri, neighbours=False)
            triples += [Triple(a, "https://w3id.org/kgstudio/ns#requires", b)
                        for a, b in zip([t.iri] + chain, chain + [focus])] if (direct or chain) else []
            concepts += [t.iri] + chain
            text = env.get_template("prerequisite.txt.j2").render(
                c=c, t=t, direct=direct, chain=[v.concept(x) for x in chain])
            extra["is_prerequisite"] = bool(direct or chain)
        elif task == "question":
            style = context.get("style", "term" if c.definition else "open")
            text = env.get_template("question.txt.j2").render(
                c=c, style=style, masked=mask(c.label, first_sentence(c.definition)))
            extra["answer"] = c.label if style == "term" else (c.definition or c.label)
        else:  # feedback
            w = None
            if context.get("wrong_concept") and str(context["wrong_concept"]) in v.concepts:
                w = v.concept(str(context["wrong_concept"]))
                triples += v.concept_triples(w.iri, neighbours=False)
                concepts.append(w.iri)
            text = env.get_template("feedback.txt.j2").render(
                c=c, w=w, wrong=context.get("wrong", ""), correct=bool(context.get("correct")))
        return Generation(text=" ".join(text.split()), task=task, focus=focus, triples=triples,
                          generator=self.name, checkpoint=self.checkpoint,
                          concepts=list(dict.fromkeys(concepts)), extra=extra)

    def _chain(self, target: str, prereq: str) -> list[str]:
        """Concepts strictly between ``target`` and ``prereq`` on a shortest requires-path."""
        prev = {target: None}
        q = deque([target])
        while q:
            n = q.popleft()
            if n == prereq:
                out = []
                while prev[n] is not None and prev[n] != target:
                    n = prev[n]
                    out.append(n)
                return list(reversed(out))
            for p in sorted(self.view.requires.get(n, ())):
                if p not in prev:
                    prev[p] = n
                    q.append(p)
        return []

    def _non_concept(self, focus: str, task: str, context: dict) -> Generation:
        """Sections and chapters: their label and summary (only definition/explanation)."""
        t = self.view.node_type(focus)  # NodeNotFound for an unknown IRI
        if task not in ("definition", "explanation"):
            raise NodeNotFound(f"<{focus}> is a {t}, not a concept: the {task!r} task needs a concept")
        info = self.view.section(focus)
        text = info.summary or f"This {t} is “{info.label}”."
        triples = [Triple(focus, "http://www.w3.org/2000/01/rdf-schema#label", info.label)]
        if info.summary:
            triples.append(Triple(focus, "https://w3id.org/kgstudio/ns#summary", info.summary))
        return Generation(text=" ".join(text.split()), task=task, focus=focus, triples=triples,
                          generator=self.name, checkpoint=self.checkpoint, concepts=[])
