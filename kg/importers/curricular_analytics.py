"""Importer for Curricular Analytics CSV files (curricula and degree plans).

The format is the one read by CurricularAnalytics.jl (``read_csv``, Heileman et al.) and
its PyPI port ``curricularanalytics``::

    Curriculum,<name>,,,...            header block: key in column A, value in column B
    Degree Plan,<plan name>            optional; present => the file is a degree plan
    Institution,<name>
    Degree Type,<AA|AS|AAS|BA|BS>
    System Type,<semester|quarter>
    CIP,<code>
    Courses,,,...                      section marker, followed by the course table header
    Course ID,Course Name,Prefix,Number,Prerequisites,Corequisites,Strict-Corequisites,Credit Hours,Institution,Canonical Name[,Term]
    1,General Chemistry I,CHEM,151,,4,,4,University of Arizona,,1
    Additional Courses,,,...           optional (degree plans): a second course table

What it produces (``docs/data-model.md``): one curriculum node (``kgs:Curriculum`` +
``schema:Course``; ``rdfs:label`` the curriculum name, ``kgs:institution``,
``kgs:systemType``, ``kgs:educationalLevel`` the degree type), one ``kgs:Course`` +
``schema:Course`` per row (``kgs:partOf`` the curriculum, ``rdfs:label``, ``kgs:sourceId``
the Course ID, ``kgs:courseNumber`` "PREFIX NUMBER", ``kgs:prefix``, ``kgs:creditHours``
as ``xsd:decimal``, ``kgs:inTerm``), one ``kgs:Term`` per term used (``kgs:partOf`` the
curriculum, ``kgs:termNumber``), and ``kgs:requires`` / ``kgs:coRequires`` /
``kgs:strictCoRequires`` from a course to its requisites ("A requires B": take B first).
Course IRIs are ``mint(source, "course", <Course ID>)``; the source slug is the file name
without ``.csv``. Three standard terms carry what the data model has no ``kgs:`` term
for: the degree plan's name as ``dcterms:alternative``, the CIP code as
``dcterms:subject`` ("CIP 14.0201") and a course's Canonical Name as ``skos:altLabel``.

Reading follows the reference reader: CRLF or LF, UTF-8 with or without BOM, quoted or
unquoted cells, header rows padded with commas, blank lines skipped, rows whose first cell
starts with ``#`` treated as comments, every cell trimmed (names and prefixes carry
trailing spaces in real files), requisite cells as ``;``-separated Course IDs. Elective and
placeholder rows (no prefix/number) are courses like any other, as in the reference.
Courses of an "Additional Courses" section are imported as courses of the curriculum, as
the reference's ``read_csv`` puts them into the curriculum it builds.

Refused with :class:`kg.errors.ImportFailed` naming the file, line and item: a missing
``Curriculum`` row, ``Courses`` marker or course table header (or one lacking a required
column), unknown header keys, malformed rows (more cells than the header, no Course ID or
name), duplicate Course IDs, requisites naming an unknown Course ID, credit hours or terms
that are not numbers (NaN, negative, or out of range such as ``1e999999``), a degree plan
course without a term, and more than :data:`MAX_COURSES` courses (the file is streamed and
refused at the first row past the limit, so a huge file fails fast in bounded memory). A
requisite cycle that runs through a co-requisite (the reference counts every requisite
kind as an edge of one graph, so such a file has no metrics) is refused here, and a cycle
of prerequisites alone by the import pipeline, both with :class:`kg.errors.PrerequisiteCycle`.

Limitations: the optional "Course Learning Outcomes" / "Curriculum Learning Outcomes"
sections are not read (no file in the shared corpus has them); a course's Institution
column is not kept.
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable, Iterator

from rdflib import Graph, Literal, URIRef

from kg.cycles import find_cycle
from kg.errors import ImportFailed, PrerequisiteCycle
from kg.importers.base import Importer, ImportResult, Progress, check_size, register, sniff
from kg.iris import mint, slug, source_graph
from ontology import namespaces as ns  # SDO/XSD as module globals upset pytest's doctest finder
from ontology.namespaces import DCTERMS, KGS, RDF, RDFS, SKOS

# header-block keys (column A) -> field name
_HEADER_KEYS = {
    "curriculum": "curriculum",
    "degree plan": "degree_plan",
    "institution": "institution",
    "degree type": "degree_type",
    "system type": "system_type",
    "cip": "cip",
}
_SYSTEM_TYPES = {"": "semester", "semester": "semester", "quarter": "quarter"}

# course-table columns, keyed by their normalised header text
_COLUMNS = {
    "courseid": "id",
    "coursename": "name",
    "prefix": "prefix",
    "number": "number",
    "prerequisites": "pre",
    "corequisites": "co",
    "strictcorequisites": "strict",
    "credithours": "credits",
    "institution": "institution",
    "canonicalname": "canonical",
    "term": "term",
}
_REQUIRED_COLUMNS = ("id", "name", "credits")
_DISPLAY = {"id": "Course ID", "name": "Course Name", "credits": "Credit Hours",
            "pre": "Prerequisites", "co": "Corequisites", "strict": "Strict-Corequisites",
            "term": "Term"}
_REQUISITES = (("pre", KGS.requires), ("co", KGS.coRequires), ("strict", KGS.strictCoRequires))
_STOP_SECTIONS = {"course learning outcomes", "curriculum learning outcomes"}

#: Most courses one file may hold (real curricula and degree plans have tens; the largest
#: public ones a few hundred). The file is read as a stream and refused at the first row
#: past the limit, so a huge file fails at once in bounded memory. Raise it with the
#: environment variable ``KGSTUDIO_CA_MAX_COURSES`` or :attr:`CurricularAnalyticsImporter.max_courses`.
MAX_COURSES = 5_000
#: Credit hours above this are refused (as NaN and negative values are).
MAX_CREDIT_HOURS = Decimal(999)
_MAX_CREDIT_PLACES = 4


def _norm_header(cell: str) -> str:
    return re.sub(r"[^a-z0-9]", "", cell.lower())


@dataclass
class _Course:
    line: int
    id: str
    name: str
    prefix: str
    number: str
    credits: Decimal
    canonical: str
    term: int | None
    requisites: dict[str, list[str]] = field(default_factory=dict)  # "pre"/"co"/"strict" -> ids


def _bad_utf8(path: Path) -> ImportFailed:
    """The error for the first byte of ``path`` that is not UTF-8, naming its line (a second,
    streamed pass: the text reader decodes ahead, so its position is not the line)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = lines = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as e:
                at = e.start - len(e.object) + len(chunk)  # start of the bad byte in this chunk
                at = max(at, 0)
                return ImportFailed(f"not valid UTF-8 (byte 0x{chunk[at]:02x} at offset {offset + at})",
                                    path=path, line=lines + chunk.count(b"\n", 0, at) + 1,
                                    hint="Save the file as UTF-8")
            offset += len(chunk)
            lines += chunk.count(b"\n")
    return ImportFailed("not valid UTF-8 (the file ends inside a character)", path=path, line=lines + 1,
                        hint="Save the file as UTF-8")


@contextmanager
def _open_lines(path: Path, max_bytes: int) -> Iterator[io.TextIOWrapper]:
    """The file as a stream of text lines (UTF-8, a BOM dropped, CR, LF or CRLF kept for the
    CSV reader), refused before reading when it is not a regular file or too large."""
    check_size(path, max_bytes)
    with open(path, encoding="utf-8-sig", newline="") as f:
        yield f


def _rows(lines: str | Iterable[str], path: Path):
    """(line number, trimmed cells) of every non-blank, non-comment row."""
    if isinstance(lines, str):
        lines = io.StringIO(lines, newline="")
    reader = csv.reader(lines, strict=True)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise ImportFailed(f"malformed CSV: {e}", path=path, line=reader.line_num,
                               hint="check the quotes on this line") from None
        except UnicodeDecodeError:
            raise _bad_utf8(path) from None
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        yield reader.line_num, cells


def _decimal(value: str, what: str, path: Path, line: int, item: str) -> Decimal:
    try:
        d = Decimal(value)
    except InvalidOperation:
        d = None
    if d is None or not d.is_finite() or d < 0:
        raise ImportFailed(f"{what} {value!r} is not a number", path=path, line=line, item=item,
                           hint="write a non-negative number such as 3 or 1.5")
    # a finite decimal can still be absurd: 1e999999 would be stored with a million digits
    if d > MAX_CREDIT_HOURS or (d and -d.normalize().as_tuple().exponent > _MAX_CREDIT_PLACES):
        raise ImportFailed(f"{what} {value!r} is out of range: at most {MAX_CREDIT_HOURS} with "
                           f"{_MAX_CREDIT_PLACES} decimal places", path=path, line=line, item=item,
                           hint="write a non-negative number such as 3 or 1.5")
    return d


def parse_csv(text: str | Iterable[str], path: Path, *,
              max_courses: int | None = None) -> tuple[dict[str, str], list[_Course]]:
    """Header values and courses of a Curricular Analytics CSV text or stream of lines
    (checked, not yet RDF); more than ``max_courses`` courses are refused at the first row
    past the limit."""
    limit = MAX_COURSES if max_courses is None else max_courses
    rows = _rows(text, path)
    header: dict[str, str] = {}
    header_lines: dict[str, int] = {}

    # ---- header block up to the "Courses" marker ------------------------------------
    first = True
    for line, cells in rows:
        key = cells[0].lower()
        if first and key != "curriculum":
            raise ImportFailed("missing header: the file must start with a 'Curriculum,<name>' row",
                               path=path, line=line, item=cells[0],
                               hint="is this a Curricular Analytics CSV file?")
        first = False
        if key == "courses":
            if any(cells[1:]):
                raise ImportFailed("malformed 'Courses' row: it must hold nothing but the marker",
                                   path=path, line=line)
            break
        if key not in _HEADER_KEYS:
            raise ImportFailed(f"unknown header row {cells[0]!r}", path=path, line=line, item=cells[0],
                               hint="header rows are Curriculum, Degree Plan, Institution, Degree Type, "
                                    "System Type, CIP, then 'Courses' and the course table")
        if any(cells[2:]):
            raise ImportFailed(f"malformed header row {cells[0]!r}: values beyond column B",
                               path=path, line=line, item=cells[0])
        name = _HEADER_KEYS[key]
        if name in header:
            raise ImportFailed(f"header row {cells[0]!r} given twice (first on line {header_lines[name]})",
                               path=path, line=line, item=cells[0])
        header[name] = cells[1] if len(cells) > 1 else ""
        header_lines[name] = line
    else:
        if first:
            raise ImportFailed("missing header: the file is empty", path=path)
        raise ImportFailed("missing header: no 'Courses' row before the course table", path=path,
                           hint="add a row 'Courses' followed by the 'Course ID,Course Name,...' header")
    if not header.get("curriculum"):
        raise ImportFailed("the 'Curriculum' row has no name in column B", path=path,
                           line=header_lines.get("curriculum"))
    system = header.get("system_type", "").lower()
    if system not in _SYSTEM_TYPES:
        raise ImportFailed(f"unknown System Type {header['system_type']!r}", path=path,
                           line=header_lines["system_type"], hint="use 'semester' or 'quarter'")
    header["system_type"] = _SYSTEM_TYPES[system]
    is_plan = "degree_plan" in header

    # ---- course tables -------------------------------------------------------------
    courses: list[_Course] = []
    seen: dict[str, int] = {}
    columns: dict[str, int] | None = None
    expect_header = True
    for line, cells in rows:
        key = cells[0].lower()
        if key in _STOP_SECTIONS:
            break
        if key == "additional courses":
            if not is_plan:
                raise ImportFailed("only a degree plan (a file with a 'Degree Plan' row) can have "
                                   "'Additional Courses'", path=path, line=line)
            expect_header = True
            continue
        if expect_header:
            columns = {}
            for i, cell in enumerate(cells):
                col = _COLUMNS.get(_norm_header(cell))
                if col is not None and col not in columns:
                    columns[col] = i
            missing = [c for c in _REQUIRED_COLUMNS if c not in columns]
            if missing:
                raise ImportFailed("missing header: the course table header lacks "
                                   + ", ".join(repr(_DISPLAY[c]) for c in missing),
                                   path=path, line=line, item=cells[0],
                                   hint="the row after 'Courses' must be 'Course ID,Course Name,Prefix,"
                                        "Number,Prerequisites,Corequisites,Strict-Corequisites,"
                                        "Credit Hours,Institution,Canonical Name[,Term]'")
            if is_plan and "term" not in columns:
                raise ImportFailed("missing header: a degree plan's course table needs a 'Term' column",
                                   path=path, line=line)
            width = len(cells)
            while width and not cells[width - 1]:
                width -= 1
            columns["_width"] = width
            expect_header = False
            continue
        assert columns is not None
        extra = [c for c in cells[columns["_width"]:] if c]
        if extra:
            raise ImportFailed(f"malformed row: a value beyond the {columns['_width']} columns of the "
                               f"header ({extra[0]!r})", path=path, line=line, item=cells[0],
                               hint="a ',' inside a value needs quotes; requisites are separated by ';'")

        def cell(col: str) -> str:
            i = columns.get(col)
            return cells[i] if i is not None and i < len(cells) else ""

        if len(courses) >= limit:
            raise ImportFailed(f"too many courses: more than {limit:,} (the limit on one file)",
                               path=path, line=line, item=cell("id") or None,
                               hint="a curriculum has tens of courses; split the file, or raise the limit "
                                    "with the environment variable KGSTUDIO_CA_MAX_COURSES")
        cid = cell("id")
        if not cid:
            raise ImportFailed("malformed row: no Course ID", path=path, line=line,
                               item=cell("name") or None, hint="every course needs a Course ID")
        if cid in seen:
            raise ImportFailed(f"duplicate Course ID {cid!r} (first on line {seen[cid]})",
                               path=path, line=line, item=cid, hint="Course IDs must be unique in a file")
        seen[cid] = line
        name = cell("name")
        if not name:
            raise ImportFailed("malformed row: no Course Name", path=path, line=line, item=cid)
        raw_credits = cell("credits")
        if not raw_credits:
            raise ImportFailed("malformed row: no Credit Hours", path=path, line=line, item=cid)
        credits = _decimal(raw_credits, "Credit Hours", path, line, cid)
        term: int | None = None
        raw_term = cell("term")
        if raw_term:
            if not re.fullmatch(r"\d+", raw_term) or int(raw_term) < 1:
                raise ImportFailed(f"Term {raw_term!r} is not a term number (1, 2, ...)",
                                   path=path, line=line, item=cid)
            term = int(raw_term)
        elif is_plan:
            raise ImportFailed("a degree plan course needs a Term", path=path, line=line, item=cid,
                               hint="put the 1-based term number in the Term column")
        course = _Course(line, cid, name, cell("prefix"), cell("number"), credits, cell("canonical"), term)
        for col, _prop in _REQUISITES:
            ids = [r.strip() for r in cell(col).split(";")]
            course.requisites[col] = list(dict.fromkeys(r for r in ids if r))
        courses.append(course)
    if columns is None:
        raise ImportFailed("missing header: no course table header after the 'Courses' row", path=path,
                           hint="add 'Course ID,Course Name,Prefix,Number,Prerequisites,Corequisites,"
                                "Strict-Corequisites,Credit Hours,Institution,Canonical Name'")

    # ---- requisites name known courses ----------------------------------------------
    for c in courses:
        for col, _prop in _REQUISITES:
            for r in c.requisites[col]:
                if r not in seen:
                    raise ImportFailed(f"{_DISPLAY[col]} of course {c.id} ({c.name}) name unknown "
                                       f"Course ID {r!r}", path=path, line=c.line, item=r,
                                       hint="requisites are Course IDs of this file, separated by ';'")
    return header, courses


def _check_requisite_cycles(courses: list[_Course], path: Path) -> None:
    """Refuse a cycle through a co-requisite edge (prerequisite-only cycles: the pipeline)."""
    pre = [(c.id, r) for c in courses for r in c.requisites["pre"]]
    if find_cycle(pre):
        return  # kg.importing refuses it with PrerequisiteCycle
    every = pre + [(c.id, r) for c in courses for col in ("co", "strict") for r in c.requisites[col]]
    cycle = find_cycle(every)
    if cycle:
        by_id = {c.id: c for c in courses}
        source = slug(path.stem)
        iris = [str(mint(source, "course", i)) for i in cycle]  # as the pipeline lists a prerequisite cycle
        raise PrerequisiteCycle(iris, {str(mint(source, "course", i)): f"{by_id[i].name} (Course ID {i}, line "
                                                                       f"{by_id[i].line})" for i in cycle},
                                source=str(path), what="requisite cycle through a co-requisite",
                                advice="Every requisite kind counts in Curricular Analytics; remove one of these "
                                       "requisites.")


@register
class CurricularAnalyticsImporter(Importer):
    name = "curricular-analytics"
    description = "Curricular Analytics CSV curriculum or degree plan (CurricularAnalytics.jl read_csv format)"

    def detect(self, path: Path) -> bool:
        if not path.is_file() or path.suffix.lower() != ".csv":
            return False
        head = sniff(path, 1024).lstrip("\ufeff")
        first = next(csv.reader(io.StringIO(head.splitlines()[0] if head else "")), [""])
        return bool(first) and first[0].strip().lower() == "curriculum"

    #: Most courses one file may hold; None: ``KGSTUDIO_CA_MAX_COURSES``, else :data:`MAX_COURSES`.
    max_courses: int | None = None

    def _limit(self) -> int:
        if self.max_courses is not None:
            return self.max_courses
        raw = os.environ.get("KGSTUDIO_CA_MAX_COURSES", "").strip()
        if not raw:
            return MAX_COURSES
        if not raw.isdigit() or int(raw) < 1:
            raise ImportFailed(f"KGSTUDIO_CA_MAX_COURSES={raw!r} is not a positive whole number",
                               hint=f"unset it for the default of {MAX_COURSES:,}")
        return int(raw)

    def parse(self, path: Path, *, max_bytes: int, progress: Progress | None = None) -> ImportResult:
        path = Path(path)
        with _open_lines(path, max_bytes) as lines:
            header, courses = parse_csv(lines, path, max_courses=self._limit())
        _check_requisite_cycles(courses, path)

        source = slug(path.stem)
        g = Graph()
        cur = mint(source, "curriculum", source)
        g.add((cur, RDF.type, KGS.Curriculum))
        g.add((cur, RDF.type, ns.SDO.Course))
        g.add((cur, RDFS.label, Literal(header["curriculum"])))
        g.add((cur, KGS.systemType, Literal(header["system_type"])))
        if header.get("institution"):
            g.add((cur, KGS.institution, Literal(header["institution"])))
        if header.get("degree_type"):
            g.add((cur, KGS.educationalLevel, Literal(header["degree_type"])))
        if header.get("degree_plan"):
            g.add((cur, DCTERMS.alternative, Literal(header["degree_plan"])))
        if header.get("cip"):
            g.add((cur, DCTERMS.subject, Literal(f"CIP {header['cip']}")))

        terms: dict[int, URIRef] = {}
        for n in sorted({c.term for c in courses if c.term is not None}):
            t = terms[n] = mint(source, "term", str(n))
            g.add((t, RDF.type, KGS.Term))
            g.add((t, RDFS.label, Literal(f"Term {n}")))
            g.add((t, KGS.partOf, cur))
            g.add((t, KGS.termNumber, Literal(n)))

        iri = {c.id: mint(source, "course", c.id) for c in courses}
        counts = {"courses": len(courses), "terms": len(terms), "prerequisites": 0,
                  "corequisites": 0, "strict_corequisites": 0}
        count_key = {"pre": "prerequisites", "co": "corequisites", "strict": "strict_corequisites"}
        for i, c in enumerate(courses, 1):
            node = iri[c.id]
            g.add((node, RDF.type, KGS.Course))
            g.add((node, RDF.type, ns.SDO.Course))
            g.add((node, RDFS.label, Literal(c.name)))
            g.add((node, KGS.partOf, cur))
            g.add((node, KGS.sourceId, Literal(c.id)))
            g.add((node, KGS.creditHours, Literal(format(c.credits, "f"), datatype=ns.XSD.decimal)))
            if c.prefix:
                g.add((node, KGS.prefix, Literal(c.prefix)))
            if c.number:
                g.add((node, KGS.courseNumber, Literal(f"{c.prefix} {c.number}".strip())))
            if c.canonical and c.canonical != c.name:
                g.add((node, SKOS.altLabel, Literal(c.canonical)))
            if c.term is not None:
                g.add((node, KGS.inTerm, terms[c.term]))
            for col, prop in _REQUISITES:
                for r in c.requisites[col]:
                    g.add((node, prop, iri[r]))
                    counts[count_key[col]] += 1
            if progress:
                progress("courses", i, len(courses))

        title = header["curriculum"]
        if header.get("degree_plan"):
            title += f" ({header['degree_plan']})"
        return ImportResult(source=source, graph_iri=source_graph(source), graph=g, path=path,
                            format=self.name, title=title, counts=counts)
