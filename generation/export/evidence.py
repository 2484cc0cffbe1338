"""What a quiz item's key rests on, written the same way in every exporter.

A generated item carries ``evidence`` (:class:`generation.content.model.ItemEvidence`: the
sentence, its section and paragraph) and ``verification`` (how its key was checked); see
:func:`generation.content.quiz.attach_evidence`. The exporters put them where each format
has room for them:

* Canvas QTI: ``qtimetadatafield`` entries ``kgstudio_evidence`` (one per cited sentence,
  :func:`evidence_entry`) and ``kgstudio_verification`` (the generic QTI 1.2 XSD allows any
  field label);
* Common Cartridge QTI: the CC profile's Schematron allows only five item metadata labels
  and no ``qticomment``, so the evidence goes into the item's general feedback;
* Moodle XML: the general feedback (an "Evidence" paragraph list) and a tag
  ``evidence:<section>#<paragraph>`` per cited paragraph;
* GIFT: a ``// evidence: …`` comment line per cited sentence before the question, its text
  GIFT-escaped (so ``[tag:…]`` or ``[id:…]`` inside a sentence cannot become a tag: Moodle
  reads those from comments, and an escaped colon no longer matches).

Every text here is plain; each exporter escapes it for its format.
"""
from __future__ import annotations

__all__ = ["evidence_entry", "evidence_lines", "evidence_note", "evidence_tags"]

_MAX = 600   # characters of one cited text (a long definition or listing is cut, marked "…")


def _clip(text: str) -> str:
    t = " ".join(str(text).split())
    return t if len(t) <= _MAX else t[:_MAX - 1] + "…"


def _where(ev) -> str:
    where = f"“{ev.section_label}”" if ev.section_label else (f"<{ev.section}>" if ev.section else "")
    para = {"definition": "its definition", "code": "code listing", "summary": "summary",
            "glossary": "glossary"}.get(ev.paragraph, f"paragraph {ev.paragraph}" if ev.paragraph else "")
    return ", ".join(x for x in (where, para) if x) or "the graph"


def evidence_lines(item) -> list[str]:
    """One plain line per cited text: where it is, then the text."""
    return [f"{_where(ev)}: “{_clip(ev.text)}”" for ev in getattr(item, "evidence", None) or ()]


def evidence_entry(ev) -> str:
    """One machine-readable entry: ``section IRI | paragraph | section label | text``
    (``|`` in the label or text written as ``¦`` so the fields stay four)."""
    f = lambda x: " ".join(str(x).split()).replace("|", "¦")   # noqa: E731
    return " | ".join((f(ev.section), f(ev.paragraph), f(ev.section_label), f(_clip(ev.text))))


def evidence_note(item) -> str:
    """The evidence and the verification as plain text (paragraphs separated by blank
    lines), "" for an item without evidence."""
    evs = list(getattr(item, "evidence", None) or ())
    if not evs:
        return ""
    parts = [f"– {_where(ev)}:\n\n```python\n{ev.text.strip()}\n```" if ev.paragraph == "code"
             else f"– {_where(ev)}: “{_clip(ev.text)}”" for ev in evs]
    out = "Evidence:\n\n" + "\n\n".join(parts)
    ver = getattr(item, "verification", "")
    return out + (f"\n\nVerified: {ver}." if ver else "")


def evidence_tags(item) -> list[str]:
    """``evidence:<section local name>#<paragraph>`` per cited paragraph (for Moodle tags)."""
    out = []
    for ev in getattr(item, "evidence", None) or ():
        if ev.section:
            local = ev.section.rstrip("/").rsplit("/", 1)[-1]
            out.append(f"evidence:{local}#{ev.paragraph}" if ev.paragraph else f"evidence:{local}")
    return list(dict.fromkeys(out))
