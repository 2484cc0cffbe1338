"""Importer for kgstudio's native YAML curriculum format (hand-written curricula).

The format (``docs/native-format.md``) is one YAML document: ``curriculum`` metadata, a list
of ``concepts`` (definition, prerequisites, related concepts, the section that defines
them) and ordered ``chapters`` of ``sections``, each with learning objectives and review
questions. It is checked against the JSON Schema ``native-schema.json`` beside this module
(draft 2020-12) and then for references the schema cannot express: unknown or duplicate
ids. Every error names the YAML line of the item at fault: the file is composed into a
node tree first (whose nodes carry their line), then constructed with PyYAML's *safe*
constructor, so a JSON path from the schema check or a reference maps back to a line.
YAML tags that would build arbitrary Python objects (``!!python/object``) are refused.

Hostile input is refused before it costs anything: the composed node tree is measured
before a Python object is built, so an alias bomb ("billion laughs": aliases expanding the
document by more than :data:`MAX_ALIAS_NODES` nodes), a recursive alias or nesting deeper
than :data:`MAX_DEPTH` fails at once in bounded memory, naming its line. A byte order mark
at the start is accepted; a NUL or other control character is named with its line and
column. ``curriculum.language`` is checked as the store checks language tags, and a
licence written as an IRI (``scheme://...``) must be a valid one (no spaces or quotes);
a licence name such as "CC BY 4.0" stays text.

The graph follows ``docs/data-model.md``. IRIs come from the ids in the file (``kg.iris.mint``
with the slug of ``curriculum.id`` as the source), so importing the same file twice
changes nothing and editing a text updates it in place. Text literals carry the language
tag of ``curriculum.language`` when it is given.

Limitations: concept ids are slugged into their IRI (as for every importer), so two
concept ids that differ only in case or punctuation are refused as duplicates; objectives
and questions without an ``id`` get a positional one (``<section>-o2``, ``<section>-q3``),
which changes when they are reordered; prerequisite cycles are reported by the import
pipeline (``kg.importing``), which names the cycle but not its line. The Bloom level of
an objective without ``bloom`` is guessed from its leading verb (English and Portuguese
verb lists, :func:`guess_bloom`); an unknown verb gives ``understand``.

>>> res = parse_text('''
... curriculum: {id: tiny, title: Tiny, language: en}
... concepts:
...   - {id: value, label: Value}
...   - {id: variable, label: Variable, requires: [value]}
... chapters:
...   - id: c1
...     title: Start
...     sections: [{id: s1, title: Names, objectives: [Define a variable.]}]
... ''')
>>> res.source, res.counts["concepts"], res.counts["objectives"]
('tiny', 2, 1)
>>> from ontology.namespaces import KGS
>>> from kg.iris import mint
>>> (mint("tiny", "concept", "variable"), KGS.requires, mint("tiny", "concept", "value")) in res.graph
True
>>> guess_bloom("Compare a list with a tuple.")
'analyze'
"""
from __future__ import annotations

import difflib
import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

import jsonschema
import yaml
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as _rdfns
from rdflib.namespace import RDF, RDFS, SKOS

from kg.errors import ImportFailed
from kg.importers.base import (Importer, ImportResult, Progress, iri as checked_iri, language_tag, read_text,
                               register, sniff)
from kg.iris import mint, slug, source_graph
from ontology.namespaces import BLOOM, DCTERMS, KGS

__all__ = ["NativeYamlImporter", "parse_text", "load_document", "schema", "guess_bloom",
           "LineMap", "BLOOM_LEVELS", "ITEM_TYPES"]

FORMAT = "native-yaml"
BLOOM_LEVELS = ("remember", "understand", "apply", "analyze", "evaluate", "create")
ITEM_TYPES = ("multiple-choice", "true-false", "short-answer", "free-response")
DEFAULT_BLOOM = "understand"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TOP_CURRICULUM = re.compile(r"^\ufeff?curriculum\s*:", re.MULTILINE)
_TABS = re.compile(r"\btabs?\b", re.IGNORECASE)
_IRI_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")

#: Deepest nesting a document may have (the format itself needs about 10 levels).
MAX_DEPTH = 50
#: How many nodes YAML aliases may add to a document once expanded (a document without
#: aliases adds none). A "billion laughs" alias bomb is refused by this bound, measured on
#: the composed node tree, before any Python object is built.
MAX_ALIAS_NODES = 100_000


# ---- Bloom levels from the leading verb ------------------------------------------------

_BLOOM_VERBS: dict[str, tuple[str, ...]] = {
    "remember": (
        "define", "list", "recall", "recognize", "recognise", "identify", "name", "state",
        "label", "memorize", "memorise", "repeat", "reproduce", "match", "locate", "cite",
        "retrieve", "record", "know",
        # pt
        "definir", "listar", "recordar", "lembrar", "reconhecer", "identificar", "nomear",
        "memorizar", "localizar", "citar", "enumerar",
    ),
    "understand": (
        "explain", "describe", "summarize", "summarise", "interpret", "classify", "discuss",
        "paraphrase", "illustrate", "exemplify", "infer", "predict", "restate", "translate",
        "understand", "outline", "report", "review", "trace", "read",
        # pt
        "explicar", "descrever", "resumir", "interpretar", "classificar", "discutir",
        "exemplificar", "inferir", "compreender", "entender", "reconstruir", "ler",
        "parafrasear", "prever", "ilustrar", "caracterizar", "conhecer", "perceber",
    ),
    "apply": (
        "apply", "use", "implement", "execute", "solve", "compute", "calculate", "demonstrate",
        "perform", "run", "carry", "convert", "modify", "operate", "practice", "practise",
        "employ", "show", "determine", "rewrite", "call",
        # pt
        "aplicar", "usar", "utilizar", "implementar", "executar", "resolver", "calcular",
        "demonstrar", "empregar", "operar", "realizar", "efetuar", "converter", "praticar",
    ),
    "analyze": (
        "analyze", "analyse", "compare", "contrast", "differentiate", "distinguish", "examine",
        "investigate", "organize", "organise", "categorize", "categorise", "deconstruct",
        "attribute", "diagnose", "debug", "test", "inspect", "relate",
        # pt
        "analisar", "comparar", "contrastar", "diferenciar", "distinguir", "examinar",
        "investigar", "organizar", "relacionar", "categorizar", "depurar",
    ),
    "evaluate": (
        "evaluate", "judge", "critique", "justify", "assess", "argue", "defend", "appraise",
        "recommend", "decide", "prioritize", "prioritise", "rate", "choose", "select",
        "verify", "check", "weigh", "validate",
        # pt
        "avaliar", "julgar", "criticar", "justificar", "argumentar", "defender", "decidir",
        "escolher", "verificar", "validar", "posicionar-se", "opinar",
    ),
    "create": (
        "create", "design", "construct", "develop", "formulate", "compose", "plan", "produce",
        "invent", "devise", "generate", "build", "propose", "write", "author", "assemble",
        "combine", "program", "code",
        # pt
        "criar", "projetar", "construir", "desenvolver", "formular", "compor", "planejar",
        "produzir", "inventar", "elaborar", "propor", "escrever", "redigir", "programar",
    ),
}
_VERB_TO_BLOOM = {v: level for level, verbs in _BLOOM_VERBS.items() for v in verbs}
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
_LEADING_CODE = re.compile(r"^\s*(\([^)]*\)|\[[^\]]*\]|[A-Z]{2}\d[\w.]*)\s*")


def guess_bloom(text: str, default: str = DEFAULT_BLOOM) -> str:
    """Bloom level of an objective from its leading verb (first verb among its first words).

    Phrases such as "Students will be able to" are skipped because their words are not in
    the verb table; a leading code such as "(EF01LP01)" is dropped. English and Portuguese.

    >>> guess_bloom("Describe how an interpreter runs a program")
    'understand'
    >>> guess_bloom("Students will be able to design a test suite.")
    'create'
    >>> guess_bloom("(EF15LP01) Identificar a função social de textos")
    'remember'
    >>> guess_bloom("Something without a verb")
    'understand'
    """
    text = _LEADING_CODE.sub("", text, count=1)
    for word in _WORD.findall(text.lower())[:8]:
        level = _VERB_TO_BLOOM.get(word) or _VERB_TO_BLOOM.get(word.removesuffix("-se"))
        if level:
            return level
    return default


# ---- the schema and YAML with line numbers ----------------------------------------------

@lru_cache(maxsize=1)
def schema() -> dict:
    """The JSON Schema of the format (``kg/importers/native-schema.json``)."""
    raw = resources.files("kg.importers").joinpath("native-schema.json").read_text("utf-8")
    return json.loads(raw)


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


class LineMap:
    """Maps a JSON path of the loaded document to the 1-based line of its YAML node.

    A path that goes deeper than the document (a missing key) gives the line of the
    deepest node that exists, i.e. the mapping that lacks the key.
    """

    def __init__(self, root: yaml.Node | None):
        self.root = root

    def node(self, path: Iterable[Any]) -> yaml.Node | None:
        node = self.root
        for step in path:
            child = self._child(node, step)
            if child is None:
                break
            node = child
        return node

    def line(self, path: Iterable[Any]) -> int | None:
        node = self.node(path)
        return node.start_mark.line + 1 if node is not None else None

    def key_line(self, path: Iterable[Any], key: str) -> int | None:
        """Line of the key ``key`` of the mapping at ``path``."""
        node = self.node(path)
        if isinstance(node, yaml.MappingNode):
            for k, _v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == key:
                    return k.start_mark.line + 1
        return self.line(path)

    @staticmethod
    def _child(node: yaml.Node | None, step: Any) -> yaml.Node | None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == str(step):
                    return v
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if 0 <= step < len(node.value):
                return node.value[step]
        return None


def _yaml_error(e: yaml.YAMLError, path: Path | str | None, text: str = "") -> ImportFailed:
    if isinstance(e, yaml.reader.ReaderError):
        # a character YAML does not allow (NUL, other control characters): the reader gives
        # its position (a byte offset with libyaml, a character offset without), not a line;
        # it stops at the first such character, so that character's first occurrence is it
        ch = chr(e.character) if isinstance(e.character, int) else str(e.character)
        at = text.find(ch) if ch else -1
        line = text.count("\n", 0, at) + 1 if at >= 0 else None
        col = f" at column {at - text.rfind(chr(10), 0, at)}" if at >= 0 else ""
        return ImportFailed(f"malformed YAML: the character U+{ord(ch):04X}{col} is not allowed ({e.reason})",
                            path=path, line=line,
                            hint="remove it; control characters other than tab and newline cannot be in YAML")
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    problem = getattr(e, "problem", None) or str(e)
    context = getattr(e, "context", None)
    msg = f"malformed YAML: {problem}" + (f" ({context})" if context else "")
    hint = None
    if "tag" in problem and "python" in problem:
        hint = "Python-specific tags are not allowed; write plain YAML values"
    elif "escape code" in problem:
        hint = ("a \\uD800-\\uDFFF escape is half of a surrogate pair and cannot stand alone; "
                "write the character itself")
    elif "nesting depth" in problem:
        msg = f"malformed YAML: nested too deeply ({problem})"
        hint = f"the format nests about 10 levels; at most {MAX_DEPTH} are read"
    elif _TABS.search(problem):
        hint = "Indent with spaces, not tabs"
    return ImportFailed(msg, path=path, line=mark.line + 1 if mark else None, hint=hint)


def _check_expansion(root: yaml.Node, path: Path | str | None) -> None:
    """Refuse a node tree nested deeper than :data:`MAX_DEPTH`, whose aliases expand it by
    more than :data:`MAX_ALIAS_NODES` nodes, or whose aliases are recursive, before it is
    constructed. Iterative and memoised on the composed (shared) nodes: linear in the file."""
    def children(node: yaml.Node) -> list[yaml.Node]:
        if isinstance(node, yaml.MappingNode):
            return [n for kv in node.value for n in kv]
        if isinstance(node, yaml.SequenceNode):
            return node.value
        return []

    distinct: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) not in distinct:
            distinct.add(id(node))
            todo.extend(children(node))
    limit = len(distinct) + MAX_ALIAS_NODES

    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        nid = id(node)
        line = node.start_mark.line + 1
        if finished:
            kids = children(node)
            size[nid] = 1 + sum(size[id(c)] for c in kids)
            depth[nid] = 1 + max((depth[id(c)] for c in kids), default=0)
            on_path.discard(nid)
            if size[nid] > limit:
                raise ImportFailed(f"YAML aliases expand this document by more than {MAX_ALIAS_NODES:,} nodes "
                                   f"(an alias bomb); refused before building it", path=path, line=line,
                                   hint="write the repeated content out, or use fewer '*' aliases")
            if depth[nid] > MAX_DEPTH:
                raise ImportFailed(f"the document is nested more than {MAX_DEPTH} levels deep", path=path,
                                   line=line, hint="the format nests about 10 levels; flatten this value")
            continue
        if nid in size:
            continue
        on_path.add(nid)
        stack.append((node, True))
        for c in children(node):
            if id(c) in on_path:
                raise ImportFailed("a YAML alias refers to a value that contains it (a recursive alias)",
                                   path=path, line=c.start_mark.line + 1,
                                   hint="an alias '*name' may not appear inside its own anchor '&name'")
            if id(c) not in size:
                stack.append((c, False))


def _check_duplicate_keys(root: yaml.Node, path: Path | str | None) -> None:
    """PyYAML keeps the last of two equal keys silently; refuse them instead."""
    seen_nodes: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: dict[str, int] = {}
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge":
                    line = k.start_mark.line + 1
                    if k.value in keys:
                        raise ImportFailed(f"duplicate key {k.value!r} (first on line {keys[k.value]})",
                                           path=path, line=line, item=k.value,
                                           hint="A key may appear only once in a mapping")
                    keys[k.value] = line
                stack.append(v)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def load_document(text: str, path: Path | str | None = None) -> tuple[Any, LineMap]:
    """Parse YAML text with safe-load semantics; returns the data and its :class:`LineMap`."""
    if text.startswith("\ufeff"):
        text = text[1:]  # a byte order mark is allowed at the start of the file
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise ImportFailed("the file holds no YAML document", path=path, line=1,
                               hint="start from the example in docs/native-format.md")
        _check_expansion(root, path)
        _check_duplicate_keys(root, path)
        data = loader.construct_document(root)
    except yaml.YAMLError as e:
        raise _yaml_error(e, path, text) from None
    except RecursionError:  # only without libyaml (pure-Python composer), which has no depth limit
        raise ImportFailed(f"the document is nested more than {MAX_DEPTH} levels deep", path=path,
                           hint="the format nests about 10 levels") from None
    finally:
        loader.dispose()
    return data, LineMap(root)


def _fmt_path(path: Iterable[Any]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "(document)"


def _short(value: Any, n: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= n else text[: n - 1] + "…"


_YAML_TYPE = {str: "text", bool: "true/false", int: "a number", float: "a number", list: "a list",
              dict: "a mapping", type(None): "nothing (empty value)"}


def _describe(err: jsonschema.ValidationError) -> str:
    v = err.validator
    if v == "not" and isinstance(err.schema, dict) and "x-error" in err.schema:
        return err.schema["x-error"]
    if v in ("type", "enum", "const", "pattern") and isinstance(err.schema, dict) \
            and "x-error" in err.schema:
        got = _YAML_TYPE.get(type(err.instance), type(err.instance).__name__)
        return f"{err.schema['x-error']} (got {got}: {_short(err.instance)})"
    if v == "required":
        missing = [k for k in err.validator_value if isinstance(err.instance, dict) and k not in err.instance]
        return f"missing required key {missing[0]!r}" if missing else err.message
    if v == "type":
        want = err.validator_value if isinstance(err.validator_value, str) else " or ".join(err.validator_value)
        names = {"object": "a mapping", "array": "a list", "string": "text", "boolean": "true/false",
                 "integer": "a whole number", "number": "a number"}
        want = " or ".join(names.get(w, w) for w in want.split(" or "))
        got = _YAML_TYPE.get(type(err.instance), type(err.instance).__name__)
        return f"expected {want}, got {got}: {_short(err.instance)}"
    if v == "minItems":
        n = err.validator_value
        return f"needs at least {n} {'entry' if n == 1 else 'entries'}, has {len(err.instance)}"
    if v == "maxItems":
        return f"allows at most {err.validator_value} entries, has {len(err.instance)}"
    if v == "enum":
        return f"{_short(err.instance)} is not one of {', '.join(map(str, err.validator_value))}"
    msg = err.message
    return msg if len(msg) <= 200 else msg[:199] + "…"


def _schema_errors(data: Any, lines: LineMap, path: Path | str | None) -> None:
    errors = []
    for top in _validator().iter_errors(data):
        err = jsonschema.exceptions.best_match([top])
        where = list(err.absolute_path)
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = set(err.schema.get("properties", {}))
            extra = sorted(k for k in err.instance if k not in allowed)
            key = str(extra[0]) if extra else ""
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            msg = f"unknown key {key!r}" + (f" (did you mean {close[0]!r}?)" if close else
                                            f"; allowed here: {', '.join(sorted(allowed))}")
            errors.append((lines.key_line(where, key) or 0, _fmt_path(where + [key]), msg))
        elif err.validator == "not" and isinstance(err.validator_value, dict) \
                and err.validator_value.get("required"):
            key = err.validator_value["required"][0]
            errors.append((lines.key_line(where, key) or 0, _fmt_path(where + [key]), _describe(err)))
        else:
            errors.append((lines.line(where) or 0, _fmt_path(where), _describe(err)))
    if not errors:
        return
    errors.sort(key=lambda e: e[0])
    line, where, msg = errors[0]
    more = ""
    if len(errors) > 1:
        rest = "; ".join(f"line {ln}: {w}: {m}" for ln, w, m in errors[1:4])
        more = f" [and {len(errors) - 1} more: {rest}{' ...' if len(errors) > 4 else ''}]"
    raise ImportFailed(f"schema violation at {where}: {msg}{more}", path=path, line=line or None,
                       hint="See docs/native-format.md for the format")


# ---- building the graph ----------------------------------------------------------------

class _Builder:
    """Checks references and ids of a schema-valid document and writes its triples."""

    def __init__(self, data: dict, lines: LineMap | None, path: Path | str | None):
        self.data = data
        self.lines = lines or LineMap(None)
        self.path = path
        cur = data["curriculum"]
        self.lang = cur.get("language")
        if self.lang:
            language_tag(self.lang, path=path, line=self.lines.line(("curriculum", "language")),
                         item="curriculum.language")
        self.source = slug(str(cur["id"]))
        self.g = Graph()
        self.ids: dict[str, tuple[str, tuple]] = {}    # id -> (kind, json path)
        self.concept_slugs: dict[str, str] = {}
        self.counts = dict.fromkeys(("chapters", "sections", "concepts", "objectives", "items",
                                     "choices", "prerequisites"), 0)

    # -- helpers --
    def fail(self, msg: str, where: tuple, *, item: str | None = None, hint: str | None = None):
        raise ImportFailed(msg, path=self.path, line=self.lines.line(where), item=item, hint=hint)

    def lit(self, text: str) -> Literal:
        return Literal(text.strip(), lang=self.lang) if self.lang else Literal(text.strip())

    def iri(self, kind: str, local: str) -> URIRef:
        return mint(self.source, kind, local)

    def declare(self, kind: str, ident: str, where: tuple) -> None:
        if ident in self.ids:
            first_kind, first_where = self.ids[ident]
            self.fail(f"duplicate id {ident!r}: already used by the {first_kind} on line "
                      f"{self.lines.line(first_where)}", where + ("id",), item=ident,
                      hint="Every id in the file must be unique")
        if kind == "concept":
            s = slug(ident)
            if s in self.concept_slugs:
                other = self.concept_slugs[s]
                self.fail(f"concept id {ident!r} is the same as {other!r} once slugged ({s!r})",
                          where + ("id",), item=ident, hint="Concept ids are compared ignoring case and punctuation")
            self.concept_slugs[s] = ident
        self.ids[ident] = (kind, where)

    def resolve(self, ref: Any, kinds: tuple[str, ...], where: tuple, what: str) -> URIRef:
        ident = str(ref)
        if ident not in self.ids:
            candidates = [i for i, (k, _) in self.ids.items() if k in kinds]
            close = difflib.get_close_matches(ident, candidates, n=1)
            self.fail(f"{what} names unknown {' or '.join(kinds)} id {ident!r}", where, item=ident,
                      hint=f"Did you mean {close[0]!r}?" if close else
                      f"Declare it first (known {' or '.join(kinds)} ids include: "
                      f"{', '.join(candidates[:5]) or 'none'})")
        kind, _ = self.ids[ident]
        if kind not in kinds:
            self.fail(f"{what} must name a {' or '.join(kinds)}, but {ident!r} is a {kind}", where, item=ident)
        return self.iri(kind, ident)

    # -- passes --
    def collect_ids(self) -> None:
        for i, concept in enumerate(self.data.get("concepts") or []):
            self.declare("concept", str(concept["id"]), ("concepts", i))
        for ci, chapter in enumerate(self.data["chapters"]):
            self.declare("chapter", str(chapter["id"]), ("chapters", ci))
            for si, section in enumerate(chapter["sections"]):
                where = ("chapters", ci, "sections", si)
                sid = str(section["id"])
                self.declare("section", sid, where)
                for oi, obj in enumerate(section.get("objectives") or []):
                    oid = str(obj["id"]) if isinstance(obj, dict) and "id" in obj else f"{sid}-o{oi + 1}"
                    self.declare("objective", oid, where + ("objectives", oi))
                for qi, item in enumerate(section.get("questions") or []):
                    qid = str(item["id"]) if "id" in item else f"{sid}-q{qi + 1}"
                    self.declare("item", qid, where + ("questions", qi))

    def build(self) -> ImportResult:
        self.collect_ids()
        cur = self.data["curriculum"]
        g, lit = self.g, self.lit
        curriculum = self.iri("curriculum", str(cur["id"]))
        g.add((curriculum, RDF.type, KGS.Curriculum))
        g.add((curriculum, RDF.type, _rdfns.SDO.Course))
        g.add((curriculum, RDFS.label, lit(cur["title"])))
        if "license" in cur:
            lic = cur["license"].strip()
            # an IRI is checked as the store will check it (no spaces, quotes, <>{}...);
            # a licence name such as "CC BY 4.0" stays text
            g.add((curriculum, DCTERMS.license,
                   checked_iri(lic, path=self.path, line=self.lines.line(("curriculum", "license")),
                               item="curriculum.license", what="licence")
                   if _IRI_LIKE.match(lic) else Literal(lic)))
        if "level" in cur:
            g.add((curriculum, KGS.educationalLevel, lit(cur["level"])))
        if "institution" in cur:
            g.add((curriculum, KGS.institution, Literal(cur["institution"].strip())))

        for i, c in enumerate(self.data.get("concepts") or []):
            self.concept(c, ("concepts", i), curriculum)
        for ci, chapter in enumerate(self.data["chapters"]):
            self.chapter(chapter, ci, curriculum)

        return ImportResult(source=self.source, graph_iri=source_graph(self.source), graph=g,
                            path=Path(self.path) if self.path is not None else Path("<input>"),
                            format=FORMAT, title=cur["title"].strip(), counts=dict(self.counts))

    def concept(self, c: dict, where: tuple, curriculum: URIRef) -> None:
        g, cid = self.g, str(c["id"])
        node = self.iri("concept", cid)
        self.counts["concepts"] += 1
        g.add((node, RDF.type, KGS.Concept))
        g.add((node, RDF.type, SKOS.Concept))
        g.add((node, SKOS.prefLabel, self.lit(c["label"])))
        g.add((node, RDFS.label, self.lit(c["label"])))
        g.add((node, KGS.inCurriculum, curriculum))
        g.add((node, SKOS.inScheme, curriculum))
        if "definition" in c:
            g.add((node, KGS.definition, self.lit(c["definition"])))
            g.add((node, SKOS.definition, self.lit(c["definition"])))
        for j, ref in enumerate(c.get("requires") or []):
            g.add((node, KGS.requires,
                   self.resolve(ref, ("concept",), where + ("requires", j), f"'requires' of concept {cid!r}")))
            self.counts["prerequisites"] += 1
        for j, ref in enumerate(c.get("related") or []):
            g.add((node, KGS.relatedTo,
                   self.resolve(ref, ("concept",), where + ("related", j), f"'related' of concept {cid!r}")))
        if "defined_in" in c:
            section = self.resolve(c["defined_in"], ("section",), where + ("defined_in",),
                                   f"'defined_in' of concept {cid!r}")
            g.add((node, KGS.definedIn, section))
            g.add((section, KGS.teaches, node))  # the section that defines a concept teaches it
        if "first_used_in" in c:
            g.add((node, KGS.firstUsedIn, self.resolve(c["first_used_in"], ("section",),
                                                       where + ("first_used_in",),
                                                       f"'first_used_in' of concept {cid!r}")))

    def chapter(self, chapter: dict, ci: int, curriculum: URIRef) -> None:
        g = self.g
        node = self.iri("chapter", str(chapter["id"]))
        self.counts["chapters"] += 1
        g.add((node, RDF.type, KGS.Chapter))
        g.add((node, RDF.type, _rdfns.SDO.LearningResource))
        g.add((node, RDFS.label, self.lit(chapter["title"])))
        g.add((node, KGS.partOf, curriculum))
        g.add((node, KGS.position, Literal(ci + 1)))
        for si, section in enumerate(chapter["sections"]):
            self.section(section, ("chapters", ci, "sections", si), node, si + 1)

    def section(self, s: dict, where: tuple, chapter: URIRef, position: int) -> None:
        g, sid = self.g, str(s["id"])
        node = self.iri("section", sid)
        self.counts["sections"] += 1
        g.add((node, RDF.type, KGS.Section))
        g.add((node, RDF.type, _rdfns.SDO.LearningResource))
        g.add((node, RDFS.label, self.lit(s["title"])))
        g.add((node, KGS.partOf, chapter))
        g.add((node, KGS.position, Literal(position)))
        for key, prop in (("summary", KGS.summary), ("text", KGS.text)):
            if key in s:
                g.add((node, prop, self.lit(s[key])))
        for key, prop, kinds in (("teaches", KGS.teaches, ("concept",)),
                                 ("mentions", KGS.mentions, ("concept",)),
                                 ("links_to", KGS.linksTo, ("section",))):
            for j, ref in enumerate(s.get(key) or []):
                g.add((node, prop, self.resolve(ref, kinds, where + (key, j), f"'{key}' of section {sid!r}")))
        for oi, obj in enumerate(s.get("objectives") or []):
            self.objective(obj, where + ("objectives", oi), node, sid, oi + 1)
        for qi, item in enumerate(s.get("questions") or []):
            self.item(item, where + ("questions", qi), node, sid, qi + 1)

    def objective(self, obj: str | dict, where: tuple, section: URIRef, sid: str, position: int) -> None:
        g = self.g
        if isinstance(obj, str):
            obj = {"text": obj}
        oid = str(obj["id"]) if "id" in obj else f"{sid}-o{position}"
        node = self.iri("objective", oid)
        self.counts["objectives"] += 1
        g.add((node, RDF.type, KGS.LearningObjective))
        g.add((node, RDFS.label, self.lit(obj["text"])))
        g.add((node, KGS.bloomLevel, BLOOM[obj.get("bloom") or guess_bloom(obj["text"])]))
        g.add((node, KGS.partOf, section))
        g.add((node, KGS.position, Literal(position)))
        g.add((section, KGS.hasObjective, node))
        for j, ref in enumerate(obj.get("teaches") or []):
            g.add((node, KGS.teaches, self.resolve(ref, ("concept",), where + ("teaches", j),
                                                   f"'teaches' of objective {oid!r}")))

    def item(self, item: dict, where: tuple, section: URIRef, sid: str, position: int) -> None:
        g, lit = self.g, self.lit
        qid = str(item["id"]) if "id" in item else f"{sid}-q{position}"
        node = self.iri("item", qid)
        kind = item["type"]
        self.counts["items"] += 1
        g.add((node, RDF.type, KGS.AssessmentItem))
        g.add((node, RDF.type, _rdfns.SDO.Question))
        g.add((node, RDFS.label, lit(_label_of(item["stem"]))))
        g.add((node, KGS.stem, lit(item["stem"])))
        g.add((node, KGS.itemType, Literal(kind)))
        g.add((node, KGS.partOf, section))
        g.add((node, KGS.position, Literal(position)))
        if "bloom" in item:
            g.add((node, KGS.bloomLevel, BLOOM[item["bloom"]]))
        for key, prop in (("solution", KGS.solution), ("feedback", KGS.feedback)):
            if key in item:
                g.add((node, prop, lit(item[key])))
        answer = item.get("answer")
        if isinstance(answer, bool):  # true-false: the answer is a value, not text
            g.add((node, KGS.correctAnswer, Literal("true" if answer else "false")))
        elif answer is not None:
            g.add((node, KGS.correctAnswer, lit(str(answer))))
        choices = item.get("choices") or []
        if kind == "multiple-choice":
            correct = [c for c in choices if c.get("correct") is True]
            if not correct:
                raise ImportFailed(f"multiple-choice question {qid!r} has no choice marked 'correct: true'",
                                   path=self.path, line=self.lines.key_line(where, "choices"), item=qid,
                                   hint="Mark the right choice with correct: true")
            if answer is None:
                g.add((node, KGS.correctAnswer, lit(" | ".join(c["text"].strip() for c in correct))))
        for k, choice in enumerate(choices):
            letter = chr(ord("a") + k)
            cnode = self.iri("choice", f"{qid}-{letter}")
            self.counts["choices"] += 1
            g.add((node, KGS.hasChoice, cnode))
            g.add((cnode, RDF.type, KGS.Choice))
            g.add((cnode, RDFS.label, lit(choice["text"])))
            g.add((cnode, KGS.choiceText, lit(choice["text"])))
            g.add((cnode, KGS.position, Literal(k + 1)))
            g.add((cnode, KGS.isCorrect, Literal(bool(choice.get("correct", False)))))  # xsd:boolean
            if "feedback" in choice:
                g.add((cnode, KGS.feedback, lit(choice["feedback"])))
        for j, ref in enumerate(item.get("assesses") or []):
            g.add((node, KGS.assesses, self.resolve(ref, ("concept", "objective"), where + ("assesses", j),
                                                    f"'assesses' of question {qid!r}")))


def _label_of(stem: str, limit: int = 100) -> str:
    """A one-line label for a question: its stem, cut at a word boundary."""
    text = " ".join(stem.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + "…"


def parse_text(text: str, path: Path | str | None = None) -> ImportResult:
    """Parse native-format YAML text into an :class:`ImportResult` (raises :class:`ImportFailed`)."""
    data, lines = load_document(text, path)
    _schema_errors(data, lines, path)
    return _Builder(data, lines, path).build()


@register
class NativeYamlImporter(Importer):
    name = FORMAT
    description = "kgstudio native YAML curriculum (hand-written; docs/native-format.md)"

    def detect(self, path: Path) -> bool:
        if path.is_dir() or path.suffix.lower() not in (".yaml", ".yml"):
            return False
        return bool(_TOP_CURRICULUM.search(sniff(path)))

    def parse(self, path: Path, *, max_bytes: int, progress: Progress | None = None) -> ImportResult:
        text = read_text(path, max_bytes)
        if progress:
            progress("parsing", 0, 1)
        res = parse_text(text, path=path)
        if progress:
            progress("parsing", 1, 1)
        return res
