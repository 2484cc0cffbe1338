"""Exercises → assessment items (``kgs:AssessmentItem`` + ``schema:Question``): multiple
choice when the problem has one lettered list and the answer is known or the question is
a review question, else free response; shared context ("Use the following information to
answer the next five exercises") is prepended to each stem it governs."""
from __future__ import annotations

import re

from lxml import etree
from rdflib import Literal

from kg.errors import ImportFailed
from kg.importers.cnxml.markup import C, _QUESTION_KINDS, _classes, _local, _norm, _squash
from kg.importers.cnxml.model import Book, _Module
from kg.importers.cnxml.resources import _embedded_exercise
from kg.importers.cnxml.text import Renderer
from kg.iris import mint
from ontology.namespaces import KGS, RDF, RDFS, SDO


_COUNT_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split())}
_NEXT_N = re.compile(r"\b(?:next|following)\s+(\d+|[a-z]+)\s+(?:\w+\s+)?(?:exercises|questions|problems)\b", re.I)
_NEXT_ONE = re.compile(r"\b(?:next|following)\s+(?:exercise|question|problem)\b", re.I)
_LETTER = re.compile(r"\(?([A-Za-z])[.)]?")
_LETTER_TEXT = re.compile(r"\(?([A-Za-z])[.)]\s+(.+)", re.S)


def _context_count(text: str) -> int | None:
    """How many exercises a shared context governs ("the next five exercises"), if stated."""
    m = _NEXT_N.search(text)
    if m:
        word = m.group(1).lower()
        if word.isdigit():
            return int(word)
        if word in _COUNT_WORDS:
            return _COUNT_WORDS[word]
    if _NEXT_ONE.search(text):
        return 1
    return None


def _no_question_text(text: str, ex_id: str, module_id: str) -> bool:
    """True when a problem has no question to ask: empty, or only an identifier
    (``m00045-exer-00001``, ``#exercise/…``)."""
    t = _squash(text).strip("`")
    if not any(ch.isalnum() for ch in t):
        return True
    if " " in t or not re.fullmatch(r"[#\w./:-]+", t):
        return False
    return (t == ex_id or t.startswith(("#", module_id)) or "exer" in t.lower()
            or (len(t) >= 8 and any(ch.isdigit() for ch in t) and any(ch.isalpha() for ch in t)
                and "-" in t and not any(ch in t for ch in "=+.")))


def emit_items(book: Book, mod: _Module, content) -> None:
    r = book.renderer()
    seen_ids: set[str] = set()
    position = 0
    # shared context per container element: (text, exercises it still governs or None)
    contexts: dict[etree._Element, tuple[str, int | None]] = {}
    for n, ex in enumerate(content.iter(C + "exercise"), 1):
        kind = None
        for anc in ex.iterancestors():
            if _local(anc) == "example":
                kind = "worked_examples"
                break
            hit = _classes(anc) & set(_QUESTION_KINDS)
            if hit and _local(anc) in ("section", "note"):
                kind = _QUESTION_KINDS[sorted(hit)[0]]
                break
        kind = kind or "other_exercises"
        solutions = ex.findall(C + "solution")
        if kind == "worked_examples":
            book.counts[kind] += 1
            book.counts[kind + "_with_solution"] += bool(solutions)
            continue
        problem = ex.find(C + "problem")
        if problem is None:
            raise ImportFailed("an exercise without a <problem>", path=mod.path, line=ex.sourceline,
                               item=ex.get("id"), hint="put the question inside <problem>")
        ex_id = (ex.get("id") or "").strip()
        embeds = any(_embedded_exercise(link) for link in problem.iter(C + "link"))
        untitled = book.renderer(lambda e: _local(e) == "title").text(problem) if embeds else r.text(problem)
        if _no_question_text(untitled, ex_id, mod.id):
            # an exercise embedded from an exercise bank (os-embed; counted as
            # embedded_exercises) or one with no question text: never an item
            if not embeds:
                book.counts["exercises_without_text"] += 1
            continue
        book.counts[kind] += 1
        if solutions:
            book.counts[kind + "_with_solution"] += 1
        # shared stems only inside question sections / notes; elsewhere the previous
        # siblings are the section's own text
        context = _context_for(ex, r, contexts) if kind != "other_exercises" else ""
        if not ex_id or ex_id in seen_ids:
            ex_id = f"ex{n}"
        seen_ids.add(ex_id)
        local = f"{mod.id}-{ex_id}"
        item = mint(book.slug, "item", local)
        position += 1
        book.counts["items"] += 1
        book.add(item, RDF.type, KGS.AssessmentItem)
        book.add(item, RDF.type, SDO.Question)
        book.add(item, KGS.partOf, mod.node)
        book.add(item, KGS.position, Literal(position))
        book.add(item, KGS.sourceId, Literal(local))

        sol_text = "\n\n".join(t for t in (r.text(s) for s in solutions) if t)
        if sol_text.strip() and _no_question_text(sol_text, ex_id, mod.id) and any(ch.isalnum() for ch in sol_text):
            sol_text = ""   # a key that is only an id (or an embed) is no key
        choices_list, correct = _multiple_choice(mod, ex, problem, solutions, sol_text, kind, r)
        if choices_list is not None:
            question = "\n".join(book.renderer(lambda el: el is choices_list).blocks(problem))
        else:
            question = r.text(problem)
        stem = f"{context}\n{question}" if context else question
        book.add(item, RDFS.label, book.lit(_squash(question)[:200] or local))
        book.add(item, KGS.stem, book.lit(stem or local))
        answer = ""
        if choices_list is not None:
            book.add(item, KGS.itemType, Literal("multiple-choice"))
            book.counts["multiple_choice"] += 1
            for i, text in enumerate(r.items(choices_list), 1):
                letter = chr(ord("a") + i - 1)
                ch = mint(book.slug, "choice", f"{local}-{letter}")
                book.add(item, KGS.hasChoice, ch)
                book.add(ch, RDF.type, KGS.Choice)
                book.add(ch, RDFS.label, book.lit(f"{letter}. {text}"[:200]))
                book.add(ch, KGS.choiceText, book.lit(text))
                book.add(ch, KGS.position, Literal(i))
                if correct is not None:
                    book.add(ch, KGS.isCorrect, Literal(i - 1 == correct))
                    if i - 1 == correct and text:
                        answer = text
                        book.add(item, KGS.correctAnswer, book.lit(text))
        else:
            book.add(item, KGS.itemType, Literal("free-response"))
            if sol_text:
                answer = sol_text
                book.add(item, KGS.solution, book.lit(sol_text))
        found = book.matcher.find(stem) | book.matcher.find(answer)
        for key in sorted(found):
            book.add(item, KGS.assesses, book.concept(key))
        if found:
            book.counts["items_assessing_concepts"] += 1


def _context_for(ex, r: Renderer, contexts: dict) -> str:
    """Shared context of ``ex``: the non-exercise siblings since the previous exercise,
    carried to as many following exercises as the text says ("the next five"), else up
    to the next context. Text between the exercises of a group still open is added to
    the group's context instead of replacing it."""
    parent = ex.getparent()
    prev_blocks: list[str] = []
    sib = ex.getprevious()
    while sib is not None and _local(sib) != "exercise":
        if _local(sib) not in ("title", "label"):
            prev_blocks.insert(0, r.text(sib) if _local(sib) not in ("list", "table")
                               else "\n".join(r.list_lines(sib) if _local(sib) == "list"
                                              else r.table_lines(sib)))
        sib = sib.getprevious()
    fresh = "\n".join(b for b in prev_blocks if b)
    key = parent  # the dict keeps the proxy alive, so lxml hands back the same object
    text, remaining = contexts.get(key, ("", None))
    if fresh:
        if text and remaining:  # more data for a group still open ("Let X = ...")
            contexts[key] = (f"{text}\n{fresh}", remaining)
        else:
            contexts[key] = (fresh, _context_count(fresh))
    text, remaining = contexts.get(key, ("", None))
    if not text:
        return ""
    if remaining is not None:
        remaining -= 1
        contexts[key] = (text, remaining) if remaining > 0 else ("", None)
    return text


def _multiple_choice(mod, ex, problem, solutions, sol_text, kind, r):
    """(choice list, index of the correct choice or None) when multiple choice, else (None, None)."""
    lists = [l for l in problem.iter(C + "list")
             if (l.get("number-style") or "") in ("lower-alpha", "upper-alpha")]
    if len(lists) != 1:
        return None, None
    lst = lists[0]
    items = r.items(lst)
    if not items:
        return None, None
    answer = _squash(sol_text)
    m = _LETTER.fullmatch(answer)
    index = None
    if m:
        index = ord(m.group(1).lower()) - ord("a")
        if index >= len(items):
            if kind == "review_questions":
                raise ImportFailed(
                    f"the answer {answer!r} names no choice (the question has {len(items)}: "
                    f"a-{chr(ord('a') + len(items) - 1)})", path=mod.path,
                    line=(solutions[0] if solutions else ex).sourceline, item=ex.get("id"),
                    hint="make the solution the letter of one of the choices")
            return None, None
    else:
        m = _LETTER_TEXT.fullmatch(answer)
        if m:
            i = ord(m.group(1).lower()) - ord("a")
            if 0 <= i < len(items) and _norm(m.group(2)) == _norm(items[i]):
                index = i
    if index is not None:
        return lst, index
    if kind == "review_questions":
        if answer:
            raise ImportFailed(f"the answer {answer[:40]!r} of a review question is not a choice letter",
                               path=mod.path, line=solutions[0].sourceline, item=ex.get("id"),
                               hint="make the solution the letter of one of the choices")
        return lst, None
    return None, None
