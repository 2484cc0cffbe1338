"""kg.definition_links: the prerequisite candidates a book's definitions and names argue
for, by kind, with the book's subject and definitions that lean on each other left out."""
from __future__ import annotations

import pytest

from kg.definition_links import DefinitionLink, definition_links, genus_span
from kg.importing import import_sources
from kg.iris import mint

COURSE = """\
curriculum:
  id: dl-course
  title: Psychology Basics
  language: en
  license: https://creativecommons.org/licenses/by/4.0/
concepts:
  - id: psychology
    label: psychology
    definition: scientific study of the mind and behavior
    defined_in: s1
  - id: gene
    label: gene
    definition: sequence of DNA that controls a trait
    defined_in: s1
  - id: allele
    label: allele
    definition: specific version of a gene
    defined_in: s1
  - id: dominant-allele
    label: dominant allele
    definition: allele whose phenotype will be expressed in an individual
    defined_in: s1
  - id: phenotype
    label: phenotype
    definition: an individual's inheritable physical characteristics
    defined_in: s1
  - id: etiology
    label: etiology
    definition: cause or causes of a disorder studied in psychology
    defined_in: s1
  - id: memory
    label: memory
    definition: system that encodes, stores and retrieves information
    defined_in: s2
  - id: encoding
    label: encoding
    definition: input of information into the memory system
    defined_in: s2
  - id: sleep
    label: sleep
    definition: state of reduced awareness, distinct from wakefulness
    defined_in: s2
  - id: wakefulness
    label: wakefulness
    definition: state of high awareness, unlike sleep
    defined_in: s2
  - id: suggestibility
    label: suggestibility
    defined_in: s2
  - id: fallacy
    label: fallacy
    definition: an error in reasoning
    defined_in: s2
  - id: fallacy-of-relevance
    label: fallacy of relevance
    definition: a category of errors where reasons are not relevant
    defined_in: s2
  - id: self-concept
    label: self-concept
    definition: what we think about ourselves
    defined_in: s2
  - id: concept
    label: concept
    definition: a category of ideas
    defined_in: s2
  - id: trait
    label: trait
    definition: a characteristic of an organism
    defined_in: s2
  - id: the-gene
    label: The gene
    defined_in: s1
chapters:
  - id: ch1
    title: Genes
    sections:
      - id: s1
        title: Genes and Behavior
        text: |
          Genes shape behavior.
  - id: ch2
    title: Memory
    sections:
      - id: s2
        title: Memory and Sleep
        text: |
          Suggestibility is the effect of misinformation on memory.
"""


def _iri(local: str) -> str:
    return str(mint("dl-course", "concept", local))


@pytest.fixture
def links(tmp_path, mem_store):
    path = tmp_path / "course.yaml"
    path.write_text(COURSE, encoding="utf-8")
    import_sources(mem_store, [path], validate=False)
    found = definition_links(mem_store)
    return {(a.rsplit("/", 1)[-1], b.rsplit("/", 1)[-1]): link for (a, b), link in found.items()}


def test_kinds_from_names_and_definitions(links):
    kinds = {k: v.kind for k, v in links.items()}
    assert kinds[("dominant-allele", "allele")] == "kind-of"        # the name's head (beats "names")
    assert kinds[("fallacy-of-relevance", "fallacy")] == "kind-of"   # "B of ..."
    assert kinds[("allele", "gene")] == "genus"                      # "specific version of a gene"
    assert kinds[("encoding", "memory")] == "genus"                  # "input of information into the memory"
    assert kinds[("dominant-allele", "phenotype")] == "names"        # after "whose": the difference
    # a sentence of the text that defines the concept counts as its definition
    assert kinds[("suggestibility", "memory")] == "genus"
    assert "Suggestibility is the effect" in links[("suggestibility", "memory")].text
    assert links[("allele", "gene")] == DefinitionLink(_iri("allele"), _iri("gene"), "genus",
                                                       "specific version of a gene", b_later=False)
    # "gene" (chapter 1) names "trait", which the book defines in chapter 2
    assert (links[("gene", "trait")].kind, links[("gene", "trait")].b_later) == ("names", True)
    assert not links[("encoding", "memory")].b_later                 # same section


def test_what_is_left_out(links):
    # the book's own subject ("Psychology Basics") is no prerequisite of anything in it
    assert not any(b == "psychology" for _, b in links)
    # two definitions that name each other with the same kind say nothing about order
    assert ("sleep", "wakefulness") not in links and ("wakefulness", "sleep") not in links
    # a hyphenated compound is no kind of its last part
    assert ("self-concept", "concept") not in links
    # an article in front names the same thing
    assert ("the-gene", "gene") not in links
    # nothing about a concept with itself, nothing the other way round
    assert all(a != b for a, b in links)
    assert ("gene", "allele") not in links and ("allele", "dominant-allele") not in links


def test_empty_store(mem_store):
    assert definition_links(mem_store) == {}


@pytest.mark.parametrize("text,start,genus", [
    ("subtype of depression that applies to people", 0, "subtype of depression"),
    ("a fallacy of weak induction that draws a conclusion", 0, "fallacy of weak induction"),
    ("Sleep is a state marked by low activity; distinct from rest", 5, "state marked by low activity"),
    ("the standard deviation of the distribution of the sample means", 0, "standard deviation of the distribution of"),
    ("bundle (of neurons) carrying signals", 0, "bundle"),
])
def test_genus_span(text, start, genus):
    assert text[slice(*genus_span(text, start))] == genus


PT_COURSE = """\
curriculum:
  id: pt-course
  title: Matemática
  language: pt
  license: https://creativecommons.org/licenses/by/4.0/
concepts:
  - id: principio
    label: Princípio multiplicativo
    definition: regra de contagem
    defined_in: s1
  - id: o-principio
    label: O princípio multiplicativo
    definition: o princípio multiplicativo da contagem
    defined_in: s1
chapters:
  - id: ch1
    title: Contagem
    sections:
      - id: s1
        title: Contagem
        text: |
          O princípio multiplicativo conta.
"""


def test_only_english_names_and_definitions_are_read(tmp_path, mem_store):
    # the rules are English ones: a Portuguese name's head is its first word
    path = tmp_path / "pt.yaml"
    path.write_text(PT_COURSE, encoding="utf-8")
    import_sources(mem_store, [path], validate=False)
    assert definition_links(mem_store) == {}
