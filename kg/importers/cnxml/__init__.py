"""OpenStax CNXML importer: a whole book (collection + modules) into the curriculum graph.

An OpenStax book in its repository layout is a collection file
``collections/<slug>.collection.xml`` (namespace ``http://cnx.rice.edu/collxml``) listing
modules in reading order, and one ``modules/<id>/index.cnxml`` per module (namespace
``http://cnx.rice.edu/cnxml``, metadata in ``http://cnx.rice.edu/mdml``, formulas in
MathML). The source given is the book folder or the collection file itself. The graph
follows ``docs/data-model.md``; the source slug (and so every IRI and the named graph) is
the collection's ``md:slug`` (``psychology-2e``), so a re-import updates in place.

What becomes what
-----------------
* the collection → curriculum (``rdfs:label`` = ``md:title``, ``dcterms:license`` = the
  licence URL, ``kgs:sourceId`` = ``md:uuid``);
* each top-level ``col:subcollection`` → chapter, ``kgs:position`` = chapter number;
  deeper subcollections (units inside chapters; neither book has them) are flattened
  into their chapter;
* each module inside a chapter → section (``kgs:Section``), ``kgs:sourceId`` = module id.
  The chapter introduction (``<document class="introduction">``) is a section too (it
  carries chapter objectives and inline terms in *Introductory Statistics*), so
  ``kgs:position`` is the module's place in its chapter in reading order: the
  introduction is 1, printed section "1.1" is 2. Lab modules (a top-level
  ``<note class="… lab">``, *Introductory Statistics*) are resources of their chapter
  (``kgs:Resource``), numbered in the same sequence;
* modules outside any chapter (preface, ``class="appendix"``) → resources of the
  curriculum, numbered 1, 2, … in their own order (chapters keep chapter numbers);
* ``kgs:text`` of every section/resource: its body as plain text, one block (paragraph,
  title, list item, table row) a line; question sections (also ``section-exercises``,
  ``review-exercises`` and checkpoint notes), the summary, references, "Try It" notes and
  ``learning-objectives`` sections are left out (they become items / ``kgs:summary`` /
  objectives); MathML is written out linearly (``x̄``, ``(a + b)/2``, ``x²``, ``e^(5 ln x)``,
  ``√(n)``, ``1 + cot²θ = csc²θ``, ``lim_(x → 1) f(x)``: see :mod:`~kg.importers.cnxml.mathml`);
  ALL CAPS sub-titles are title-cased (``fix_caps``). Code is kept as code: a listing
  (``<code display="block">``, ``<preformat>``, a ``<code>`` spanning lines) is a fenced
  Markdown block on its own lines (a line "```python", language from ``lang`` or a class
  token, the lines verbatim with a 1, 2, 3 … line numbering dropped, a line "```"), inline
  ``<code>`` is wrapped in backticks (`like this`); counted as ``code_blocks`` / ``code_inline``.
  ``<section class="summary">`` → ``kgs:summary``;
* learning objectives → ``kgs:LearningObjective`` with ``kgs:position``, a Bloom level
  guessed from the leading verb (``bloom_level``; no level when the verb is not in the
  table) and ``kgs:teaches`` the concepts named in it: the ``md:abstract`` list of a module
  (*Psychology*: per section, ``kgs:partOf`` the section), the items of
  ``<note class="chapter-objectives">`` (*Statistics*: in the introduction module,
  ``kgs:partOf`` the chapter) and a lab's "Student Learning Outcome(s)" list (``kgs:partOf``
  the lab resource; counted apart as ``lab_outcomes``): the list's own ``<title>`` (20 labs
  of *Statistics*, 4 of them singular "Outcome") or a ``<para>`` holding only that title
  just before the list (2 labs), so all 22 labs have outcomes where the README counts 18.
  In the content, the lists of a ``<section class="learning-objectives">`` (*Philosophy*)
  and a list right after a lead-in paragraph ("By the end of this section you should be
  able to") are the module's objectives too (a text already in ``md:abstract`` is not
  repeated). The owner ``kgs:hasObjective`` each. The verb table is ``BLOOM_VERBS``;
* ``glossary/definition`` → concept (``kgs:Concept`` + ``skos:Concept``) minted from the
  term text (slugged: "Psychology", "psychology" and "fight-or-flight response" /
  "fight or flight response" meet). A term defined in several modules is one concept:
  the first definition in reading order is ``kgs:definition``; every distinct
  definition text is a ``skos:definition``; every defining module is a ``kgs:definedIn``
  and ``kgs:teaches`` the concept. ``counts["concepts"]`` counts IRIs, so it can be below
  ``glossary_terms_casefolded`` (*Psychology*: 834 against the README's 835);
* a book without any glossary: every inline ``<term>`` of the body (not in exercises,
  summaries or objectives) → concept, labelled with the term's text (child markup
  flattened: ``<term><code>print()</code></term>`` is "print()"); the sentence the term is
  marked in is its definition (``defining_sentence``; the ``<meaning>`` of a
  ``<definition>`` in the text). Terms are merged by case-folded label, a plain plural last
  word made singular (``term_key``: "statements", "Statement" and "statement" meet; the
  singular lower-case form is the label); each module's first marking adds its sentence
  (``skos:definition``), the first in reading order is ``kgs:definition``, and
  ``kgs:definitionSource`` is its "<module>#<paragraph id>" (for a glossary entry, the
  ``<definition>``'s id); every marking module is a
  ``kgs:definedIn`` and ``kgs:teaches`` it. Counted as ``inline_concepts``;
* inline ``<term>`` in a module's content → ``kgs:mentions`` the concept with the same slug
  (case-insensitive match); in a glossary book inline terms without a glossary entry make
  no concept (counted as ``inline_terms_unmatched``). Every concept whose label (or its
  plural/singular, with ``kg.labels.LabelMatcher``) occurs in a module's text is also
  ``kgs:mentions``-ed (``mentions``: section-concept pairs); the first module in reading
  order that marks or mentions a concept → ``kgs:firstUsedIn``;
* examples (``<example>``), checkpoints (``<note class="checkpoint">``), theorems (notes
  classed theorem/lemma/corollary/proposition/rule/law) and every other content note
  (not a question, objectives or lab note) → a typed resource: ``kgs:Resource`` with
  ``kgs:resourceKind`` example/checkpoint/theorem/note, ``kgs:partOf`` its module,
  ``kgs:position``, ``rdfs:label`` "Theorem: <title>" (or "Note 2 of <module title>"),
  ``kgs:text`` (code fenced, math linear), ``kgs:solution`` (the solutions inside),
  ``kgs:keyword`` its class tokens and ``kgs:mentions`` the concepts it names;
* ``<link class="os-embed" url="#exercise/<id>">`` → ``kgs:ExternalItem`` (IRI
  ``external/<id>``, ``kgs:sourceId`` the URL, ``kgs:partOf`` its module): an exercise
  embedded from an exercise bank, whose content is not in the source. Counted as
  ``embedded_exercises``; never an assessment item;
* ``<link document="m…">`` naming another module of the book → ``kgs:linksTo`` (an empty
  ``document`` or the module's own id is a same-module link; a module outside the book is
  counted as ``links_unresolved`` and not written);
* every ``<exercise>`` except those of worked examples (``<example>``), those whose
  problem is only an os-embed link and those with no question text (empty, or only an
  identifier like ``m00045-exer-00001``; counted as ``exercises_without_text``) → an
  assessment item (``kgs:AssessmentItem`` + ``schema:Question``), ``kgs:partOf`` its module,
  ``kgs:position`` 1, 2, … in the module. A problem with one lettered list
  (``number-style`` lower/upper-alpha) is multiple choice when it is a review question or
  when its solution is a letter naming a choice ("D", "b.", "d. 4.43"): each list item is
  a ``kgs:Choice`` (``kgs:isCorrect`` on all when the answer is known) and the correct
  choice's text is ``kgs:correctAnswer``. Everything else is free response with the
  solution(s) as ``kgs:solution``. Context shared by several exercises ("Use the
  following information to answer the next five exercises", data sets) is prepended to
  each stem it governs (the number of exercises is read from the text, else up to the
  next context; text between the exercises of an open group is added to its context).
  ``kgs:assesses`` the concepts whose label occurs in the stem or the answer
  (``concept_matcher``: whole words, case-insensitive, longest match first). Items and
  choices get an ``rdfs:label`` (the question text / "b. choice", cut at 200 characters)
  and items a ``kgs:sourceId`` (``<module>-<exercise id>``).

``ImportResult.counts`` holds every key of ``COUNT_KEYS`` (zero when absent), named after
the README tables: ``chapters``, ``modules``, ``sections``, ``objectives``,
``glossary_definitions``, ``concepts``, ``review_questions``, ``practice``, ``homework``,
``try_it``, ... (each question kind also ``<kind>_with_solution``).

Errors are :class:`kg.errors.ImportFailed` naming the file and line: malformed XML (lxml
with ``huge_tree=False``: no entity expansion, no network, depth and text-node limits), a
root that is not a collection/CNXML document, a module listed twice or missing from
``modules/``, an exercise without a problem, a review question whose answer letter names
no choice, a glossary definition without a term. Nothing outside the book folder is read:
a module id that is not a plain folder name (``../../x``) and a module or collection that
is, or sits under, a symbolic link leading out of the book folder are refused
(``check_inside``); a FIFO, socket or device is refused before it is opened
(``kg.importers.base.check_regular``). Every file is checked against ``max_bytes``
before it is read.

Limitations: the appendices' exercises in *Introductory Statistics* are plain paragraphs
(no ``<exercise>`` markup) and stay text; worked examples are text, not items; a figure
is its caption and its image's ``alt`` text in brackets (no media are read); an empty
``<link/>`` reads as the linked module's title or "Figure"/"Table" (no numbers); plural
inline terms ("samples") do not match a singular glossary term; concept matching in stems
is lexical and can pick up everyday uses of a short term ("mean"); nested lists are
flattened into their item's line; in a glossary book inline terms without an entry make
no concept (names of people in *Philosophy*); a defining sentence is the sentence a term
is marked in, whether or not it says what the term is; MathML is kept as linear text only
(the MathML itself is not stored); mention counts are not stored (only the pairs).

Where each part lives
---------------------
``files`` (finding the collection, paths kept inside the book, safe XML parsing),
``collection`` (collection → curriculum and chapters, module kinds and titles),
``text`` (a module's blocks as text: paragraphs, lists, tables, figures, inline markup),
``listings`` (code), ``mathml`` (formulas as linear text), ``terms`` (glossary and inline
terms → concepts, defining sentences), ``objectives``, ``resources`` (typed resources and
os-embed exercises), ``exercises`` (assessment items), ``matching`` (concept labels in
text), ``model`` (the :class:`~kg.importers.cnxml.model.Book` being filled and
``COUNT_KEYS``), ``book`` (the order of it all and each module's own triples) and
``importer`` (:class:`CnxmlImporter`, registered as ``cnxml``).
"""
from __future__ import annotations

from kg.importers.cnxml.exercises import _context_count  # noqa: F401 - tests import it from here
from kg.importers.cnxml.files import check_inside, find_collection
from kg.importers.cnxml.importer import CnxmlImporter
from kg.importers.cnxml.listings import code_fence, code_language, code_lines
from kg.importers.cnxml.matching import ConceptMatcher, concept_matcher
from kg.importers.cnxml.mathml import math_text
from kg.importers.cnxml.model import COUNT_KEYS
from kg.importers.cnxml.objectives import BLOOM_VERBS, bloom_level
from kg.importers.cnxml.terms import defining_sentence, split_sentences, term_key
from kg.importers.cnxml.text import Renderer, fix_caps


__all__ = ["CnxmlImporter", "COUNT_KEYS", "Renderer", "BLOOM_VERBS", "bloom_level", "fix_caps", "math_text",
           "ConceptMatcher", "concept_matcher", "find_collection", "check_inside", "code_lines", "code_fence",
           "code_language", "split_sentences", "defining_sentence", "term_key"]
