"""Namespace constants: the project's own vocabulary as a strict namespace, the IRIs of
the named graphs, and the standard vocabularies it aligns to.

``KGS`` is an ``rdflib.namespace.DefinedNamespace`` with ``_fail = True``: a mistyped term
is an ``AttributeError`` instead of a silently minted new IRI.

>>> KGS.Concept
rdflib.term.URIRef('https://w3id.org/kgstudio/ns#Concept')
>>> KGS.Consept
Traceback (most recent call last):
...
AttributeError: term 'Consept' not in namespace 'https://w3id.org/kgstudio/ns#'
"""
from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SDO, SKOS, XSD, DefinedNamespace

__all__ = [
    "KGS", "BLOOM", "CASE", "BASE", "ID", "GRAPH", "graph_iri",
    "DCTERMS", "OWL", "PROV", "RDF", "RDFS", "SDO", "SKOS", "XSD",
    "ONTOLOGY_GRAPH", "INFERRED_GRAPH", "CONTENT_GRAPH", "REVIEWS_GRAPH",
    "SUGGESTIONS_GRAPH", "DECISIONS_GRAPH",
]

BASE = "https://w3id.org/kgstudio/"


class KGS(DefinedNamespace):
    """The kgstudio vocabulary (``curriculum.ttl`` defines every term listed here)."""

    _fail = True
    _NS = Namespace(BASE + "ns#")

    # --- classes -------------------------------------------------------------------
    Curriculum: URIRef        # a whole programme or book (schema:Course, dcterms source)
    Course: URIRef            # one course of a programme (Curricular Analytics) or a CASE document
    Chapter: URIRef           # unit / chapter: an ordered part of a curriculum
    Section: URIRef           # an ordered part of a chapter (OpenStax module)
    Concept: URIRef           # a teachable idea; also typed skos:Concept
    LearningObjective: URIRef # what a learner can do after a section, with a Bloom level
    AssessmentItem: URIRef    # a question: stem, choices, answer, solution, feedback
    Choice: URIRef            # one answer option of an assessment item
    Resource: URIRef          # any other learning resource (lab, appendix, link, note)
    Term: URIRef              # an academic term (semester / quarter) of a degree plan
    BloomLevel: URIRef        # a level of Bloom's revised taxonomy (SKOS scheme members)
    CompetencyFramework: URIRef  # a CASE CFDocument
    Competency: URIRef        # a CASE CFItem (standard, cluster, domain, ...)
    SourceGraph: URIRef       # the named graph of one imported source
    Suggestion: URIRef        # a prerequisite the teacher proposes (reified statement, PROV-O)

    # --- structure -----------------------------------------------------------------
    partOf: URIRef            # x is an ordered part of y
    hasPart: URIRef           # inverse of partOf
    position: URIRef          # 1-based order of x inside what it is partOf
    inCurriculum: URIRef      # shortcut from any node to its curriculum

    # --- teaching and assessment ----------------------------------------------------
    teaches: URIRef           # section/objective/course teaches concept
    assesses: URIRef          # item assesses concept or objective
    hasObjective: URIRef      # section/chapter/course has learning objective
    bloomLevel: URIRef        # objective/item -> BloomLevel
    educationalLevel: URIRef  # grade / level as text
    definedIn: URIRef         # concept defined in section (glossary)
    firstUsedIn: URIRef       # concept first used (marked as a term) in section
    mentions: URIRef          # section mentions concept (inline term)
    linksTo: URIRef           # cross-reference between sections/resources

    # --- prerequisites and relations --------------------------------------------------
    requires: URIRef          # direct prerequisite (x requires y: learn y first)
    requiresTransitive: URIRef  # transitive super-property of requires
    coRequires: URIRef        # co-requisite (take y before or with x)
    strictCoRequires: URIRef  # strict co-requisite (take y with x)
    precedes: URIRef          # CASE precedes (x should come before y)
    relatedTo: URIRef         # symmetric association
    exactMatch: URIRef        # same thing elsewhere (CASE exactMatchOf)

    # --- literals --------------------------------------------------------------------
    definition: URIRef        # definition text of a concept
    text: URIRef              # full text of a section / objective / resource
    summary: URIRef           # summary text of a section
    stem: URIRef              # question stem
    hasChoice: URIRef         # item -> Choice
    choiceText: URIRef        # text of a Choice
    isCorrect: URIRef         # boolean on a Choice
    correctAnswer: URIRef     # the correct answer as text
    solution: URIRef          # worked solution / model answer
    feedback: URIRef          # feedback shown for a choice or item
    itemType: URIRef          # multiple-choice, free-response, ...
    sourceId: URIRef          # identifier of the node in its source
    sourceFormat: URIRef      # importer that produced a source graph
    sha256: URIRef            # content hash of the imported file
    creditHours: URIRef       # credit hours of a course
    inTerm: URIRef            # course scheduled in term (degree plans)
    termNumber: URIRef        # ordinal of a Term
    courseNumber: URIRef      # e.g. "MATH 122A"
    prefix: URIRef            # course prefix, e.g. "MATH"
    institution: URIRef       # institution name
    systemType: URIRef        # semester / quarter
    caseIdentifier: URIRef    # CASE item identifier (UUID)
    humanCodingScheme: URIRef # CASE humanCodingScheme, e.g. "1.OA.A.1"
    keyword: URIRef           # free keyword
    score: URIRef             # a model's confidence in [0, 1] (suggestions)
    rank: URIRef              # 1-based rank of a suggestion in its run
    probability: URIRef       # calibrated probability of a suggestion (gnn.calibration)
    band: URIRef              # likely | possible | unlikely (the calibrated probability's band)
    evidenceLine: URIRef      # suggestion -> one evidence line (kgs:text, kgs:position)

    # --- generated content (generation.content.repository) ----------------------------
    ContentItem: URIRef       # a generated lesson, quiz, diagram or learning path (versioned)
    Lesson: URIRef            # a generated lesson on a concept or section
    Quiz: URIRef              # a generated quiz on a concept, section or chapter
    Diagram: URIRef           # a generated diagram (DOT, Mermaid, SVG, text alternative)
    LearningPath: URIRef      # a generated teaching order towards a target concept
    ContentVersion: URIRef    # one saved version of a content item (PROV-O entity)
    Paragraph: URIRef         # one generated or copied paragraph of a version
    GeneratedQuestion: URIRef # one question of a quiz or lesson version (not a curriculum item)
    Review: URIRef            # a review decision on a content version (PROV-O activity)
    versionOf: URIRef         # version -> its content item
    currentVersion: URIRef    # content item -> its latest version
    versionNumber: URIRef     # 1-based number of a version
    reviewState: URIRef       # draft | in_review | approved | rejected | changes_requested
    scope: URIRef             # content item -> the node it is about (concept, section, ...)
    payload: URIRef           # the whole version as JSON (exact round trip)
    modelCheckpoint: URIRef   # id of the model checkpoint / template set that wrote the text
    template: URIRef          # jinja2 template that assembled the item
    generatorKind: URIRef     # student | template | curriculum
    hasParagraph: URIRef      # version -> paragraph
    paragraphKind: URIRef     # definition | explanation | prerequisite | example | summary
    hasQuestion: URIRef       # version -> generated question
    questionType: URIRef      # multichoice | multiresponse | truefalse | matching | ...
    targets: URIRef           # paragraph / question -> concept it is about
    alignedTo: URIRef         # question -> learning objective it assesses
    difficulty: URIRef        # estimated difficulty in [0, 1]
    reviewOf: URIRef          # review -> the version reviewed
    reviewAction: URIRef      # approve | reject | request_changes | submit
    fromState: URIRef         # review state before a review
    toState: URIRef           # review state after a review

    # --- textbook extraction (kg.importers.cnxml) ---------------------------------------
    ExternalItem: URIRef      # an exercise embedded from a bank (os-embed): a reference, never an item
    resourceKind: URIRef      # example | note | checkpoint | theorem (typed resources of a section)
    definitionSource: URIRef  # "<module>#<paragraph>" of a concept's preferred inline definition

    # --- evidence index and mention counts (kg.evidence) --------------------------------
    Evidence: URIRef          # one sentence (or code block) of a curriculum about a concept, ranked
    Mention: URIRef           # how often one section's text names one concept
    about: URIRef             # evidence / mention -> the concept it is about
    inSection: URIRef         # evidence / mention -> the section or resource its text is in
    evidenceKind: URIRef      # definition | use | example | code | exercise
    paragraphId: URIRef       # paragraph of the evidence in its section ("p3" or the source's id)
    mentionCount: URIRef      # number of times the section's text names the concept


BLOOM = Namespace(BASE + "bloom/")
"""Members of the Bloom's revised taxonomy SKOS scheme: remember ... create."""

CASE = Namespace("http://www.imsglobal.org/spec/case/v1p0/")

ID = Namespace(BASE + "id/")
"""Instance IRIs: ``ID[<source-slug>/<kind>/<local-id>]`` (see ``kg.iris``)."""

GRAPH = Namespace(BASE + "graph/")


def graph_iri(name: str) -> URIRef:
    """IRI of a named graph of the store, e.g. ``graph_iri('source/psychology-2e')``."""
    return GRAPH[name]


ONTOLOGY_GRAPH = graph_iri("ontology")
INFERRED_GRAPH = graph_iri("inferred")
CONTENT_GRAPH = graph_iri("content")
REVIEWS_GRAPH = graph_iri("reviews")
SUGGESTIONS_GRAPH = graph_iri("suggestions")
DECISIONS_GRAPH = graph_iri("decisions")
