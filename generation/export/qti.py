"""QTI 1.2 items from quiz items, in two dialects: the Common Cartridge profile and Canvas's.

Both follow the structure of Canvas's own exports (``../shared/fixtures/canvas``): a
``response_lid``/``render_choice`` for choice items, ``response_str``/``render_fib`` for
typed answers, ``resprocessing`` that sets ``SCORE`` to 100 on the key, and per-choice
feedback as ``itemfeedback`` reached through ``displayfeedback``.

* ``profile="cc"`` (``.imscc``): only the six CC 1.1 item kinds exist (multiple choice,
  multiple response, true/false, fill-in-blank, pattern match, essay) and the embedded
  Schematron adds rules (a multiple-choice item needs more than 2 choices, an essay is
  ``qmd_computerscored No``, no ``<or>``). A matching item becomes one multiple-choice
  item per term (choose its definition) and an ordering item becomes a multiple-choice
  "which order is right" item; an item that still cannot be expressed (a matching item
  with fewer than 3 pairs, a 2-choice multiple choice, an ordering of 2) is left out and
  reported, never written invalid.
* ``profile="canvas"`` (Canvas "QTI .zip"): Canvas-native ``question_type`` /
  ``points_possible`` / ``original_answer_ids`` metadata and every type Canvas has
  (matching and ordering as ``matching_question``; short answer and cloze as
  ``short_answer_question``), valid against the generic QTI 1.2 XSD.

Text: stems and feedback go out as HTML (``mattext texttype="text/html"``, the user's text
HTML-escaped inside ``<p>``); choice texts as ``text/plain``. lxml escapes everything for
XML, so no user text can add markup at either level.
"""
from __future__ import annotations

import html
import itertools
import re

from lxml import etree

from generation.export.evidence import evidence_entry, evidence_note
from generation.export.pack import ident
from generation.content.render import indented_to_fenced

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
CC_QTI_LOCATION = ("http://www.imsglobal.org/xsd/ims_qtiasiv1p2 "
                   "http://www.imsglobal.org/profile/cc/ccv1p1/ccv1p1_qtiasiv1p2p1_v1p0.xsd")
QTI_LOCATION = ("http://www.imsglobal.org/xsd/ims_qtiasiv1p2 "
                "http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd")

_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text) -> str:
    """``text`` with the characters XML 1.0 cannot hold removed (C0 controls but tab/newline).

    >>> xml_text("a\\x00b\\tc")
    'ab\\tc'
    """
    return _BAD_XML.sub("", "" if text is None else str(text))


_FENCE = re.compile(r"(?ms)^[ \t]*```[ \t]*([\w+.-]*)[ \t]*\n(.*?)\n?^[ \t]*```[ \t]*$")


def _prose_html(text: str, *, paragraphs: bool) -> str:
    """Prose as escaped HTML (inline `code` keeps its backticks, as typed); paragraphs as
    <p> when asked."""
    if not paragraphs:
        return html.escape(text, quote=False).replace("\n", "<br/>")
    paras = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join("<p>" + html.escape(p.strip(), quote=False).replace("\n", "<br/>") + "</p>" for p in paras)


def code_html(text, *, paragraphs: bool = True) -> str:
    """User text as an HTML fragment with its code shown as code (contract 1): a fenced
    block (or Markdown's indented block) as ``<pre><code class="language-…">`` with the
    code HTML-escaped and its lines and spaces kept; the rest escaped prose (``<p>`` per
    paragraph when ``paragraphs``; inline `code` keeps its backticks, as typed).

    >>> code_html("Run:\\n\\n```python\\nif a < b: print({1})\\n```")
    '<p>Run:</p><pre><code class="language-python">if a &lt; b: print({1})</code></pre>'
    """
    text = indented_to_fenced(xml_text(text).replace("\r", ""))
    out, pos = [], 0
    for m in _FENCE.finditer(text):
        if text[pos:m.start()].strip():
            out.append(_prose_html(text[pos:m.start()], paragraphs=paragraphs))
        lang = f' class="language-{html.escape(m.group(1))}"' if m.group(1) else ""
        out.append(f"<pre><code{lang}>{html.escape(m.group(2), quote=False)}</code></pre>")
        pos = m.end()
    if text[pos:].strip() or not out:
        out.append(_prose_html(text[pos:], paragraphs=paragraphs))
    return "".join(out)


def html_para(text: str) -> str:
    """User text as an HTML fragment: escaped, one ``<p>`` per paragraph, line breaks kept,
    code blocks as ``<pre><code>`` (:func:`code_html`). Every exporter writes stems,
    feedback and lesson text through it, so a listing reads back unchanged from each.

    >>> html_para("a < b\\n\\nc & d")
    '<p>a &lt; b</p><p>c &amp; d</p>'
    """
    return code_html(text) or "<p></p>"


def _el(parent, tag: str, text: str | None = None, **attrs):
    e = etree.SubElement(parent, f"{{{QTI_NS}}}{tag}", {k: str(v) for k, v in attrs.items()})
    if text is not None:
        e.text = xml_text(text)
    return e


def _material(parent, text: str, *, as_html: bool):
    m = _el(parent, "material")
    _el(m, "mattext", html_para(text) if as_html else xml_text(text),
        texttype="text/html" if as_html else "text/plain")
    return m


def _meta(item_el, fields: list[tuple[str, str]]):
    md = _el(_el(item_el, "itemmetadata"), "qtimetadata")
    for label, entry in fields:
        f = _el(md, "qtimetadatafield")
        _el(f, "fieldlabel", label)
        _el(f, "fieldentry", entry)


def _feedback(item_el, fid: str, text: str):
    fb = _el(item_el, "itemfeedback", ident=fid)
    _material(_el(fb, "flow_mat"), text, as_html=True)


def _outcomes(rp):
    _el(_el(rp, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")


def _general_feedback_condition(rp, item) -> bool:
    if not item.feedback:
        return False
    rc = _el(rp, "respcondition", **{"continue": "Yes"})
    _el(_el(rc, "conditionvar"), "other")
    _el(rc, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
    return True


class Unsupported(Exception):
    """An item this dialect cannot express (the message says why)."""


# ---- item shapes ---------------------------------------------------------------------------
def _choice_item(root, item, ident_: str, title: str, meta, choices: list[tuple[str, bool, str]],
                 multiple: bool):
    """choices: (text, correct, feedback)."""
    it = _el(root, "item", ident=ident_, title=title)
    meta(it)
    pres = _el(it, "presentation")
    _material(pres, item.stem, as_html=True)
    lid = _el(pres, "response_lid", ident="response1", rcardinality="Multiple" if multiple else "Single")
    rc_ = _el(lid, "render_choice")
    ids = [f"{ident_}_{i + 1}" for i in range(len(choices))]
    for cid, (text, _, _) in zip(ids, choices):
        _material(_el(rc_, "response_label", ident=cid), text, as_html=False)
    rp = _el(it, "resprocessing")
    _outcomes(rp)
    has_general = _general_feedback_condition(rp, item)
    for cid, (_, _, fb) in zip(ids, choices):
        if fb:
            rc = _el(rp, "respcondition", **{"continue": "Yes"})
            _el(_el(rc, "conditionvar"), "varequal", cid, respident="response1")
            _el(rc, "displayfeedback", feedbacktype="Response", linkrefid=f"{cid}_fb")
    rc = _el(rp, "respcondition", **{"continue": "No"})
    cv = _el(rc, "conditionvar")
    correct = [cid for cid, (_, ok, _) in zip(ids, choices) if ok]
    if multiple:
        both = _el(cv, "and")
        for cid, (_, ok, _) in zip(ids, choices):
            if ok:
                _el(both, "varequal", cid, respident="response1")
            else:
                _el(_el(both, "not"), "varequal", cid, respident="response1")
    else:
        _el(cv, "varequal", correct[0], respident="response1")
    _el(rc, "setvar", "100", action="Set", varname="SCORE")
    if has_general:
        _feedback(it, "general_fb", item.feedback)
    for cid, (_, _, fb) in zip(ids, choices):
        if fb:
            _feedback(it, f"{cid}_fb", fb)
    return it, ids


def _fib_item(root, item, ident_: str, title: str, meta, answers: list[str], fibtype: str = "String"):
    it = _el(root, "item", ident=ident_, title=title)
    meta(it)
    pres = _el(it, "presentation")
    _material(pres, item.stem, as_html=True)
    rs = _el(pres, "response_str", ident="response1", rcardinality="Single")
    _el(_el(rs, "render_fib", fibtype=fibtype), "response_label", ident="answer1", rshuffle="No")
    rp = _el(it, "resprocessing")
    _outcomes(rp)
    has_general = _general_feedback_condition(rp, item)
    for a in answers:
        rc = _el(rp, "respcondition", **{"continue": "No"})
        _el(_el(rc, "conditionvar"), "varequal", a, respident="response1", case="No")
        _el(rc, "setvar", "100", action="Set", varname="SCORE")
    if has_general:
        _feedback(it, "general_fb", item.feedback)
    return it


def _essay_item(root, item, ident_: str, title: str, meta):
    it = _el(root, "item", ident=ident_, title=title)
    meta(it)
    pres = _el(it, "presentation")
    _material(pres, item.stem, as_html=True)
    rs = _el(pres, "response_str", ident="response1", rcardinality="Single")
    _el(_el(rs, "render_fib"), "response_label", ident="answer1", rshuffle="No")
    rp = _el(it, "resprocessing")
    _outcomes(rp)
    rc = _el(rp, "respcondition", **{"continue": "No"})
    _el(_el(rc, "conditionvar"), "other")
    if item.answer or item.feedback:
        _el(rc, "displayfeedback", feedbacktype="Solution", linkrefid="solution")
        fb = _el(it, "itemfeedback", ident="solution")
        sol = _el(fb, "solution")
        _material(_el(sol, "solutionmaterial"), item.answer or item.feedback, as_html=True)
    return it


def _match_item(root, item, ident_: str, title: str, meta, pairs: list[tuple[str, str]]):
    """Canvas matching: one response_lid per left-hand term, SCORE Add 100/n per right pair."""
    it = _el(root, "item", ident=ident_, title=title)
    meta(it)
    pres = _el(it, "presentation")
    _material(pres, item.stem, as_html=True)
    answers = list(dict.fromkeys(b for _, b in pairs))
    aid = {a: f"{ident_}_a{i + 1}" for i, a in enumerate(answers)}
    for i, (term, _) in enumerate(pairs):
        lid = _el(pres, "response_lid", ident=f"response_{i + 1}")
        _material(lid, term, as_html=False)
        rc_ = _el(lid, "render_choice")
        for a in answers:
            _material(_el(rc_, "response_label", ident=aid[a]), a, as_html=False)
    rp = _el(it, "resprocessing")
    _outcomes(rp)
    has_general = _general_feedback_condition(rp, item)
    share = f"{100 / len(pairs):.2f}"
    for i, (_, b) in enumerate(pairs):
        rc = _el(rp, "respcondition")
        _el(_el(rc, "conditionvar"), "varequal", aid[b], respident=f"response_{i + 1}")
        _el(rc, "setvar", share, varname="SCORE", action="Add")
    if has_general:
        _feedback(it, "general_fb", item.feedback)
    return it, list(aid.values())


def ordering_as_pairs(item) -> list[tuple[str, str]]:
    """An ordering item as matching pairs: ("Position 1", first), ("Position 2", second), ..."""
    return [(f"Position {i + 1}", x) for i, x in enumerate(item.order)]


def ordering_permutations(order: list[str], k: int = 4) -> list[list[str]]:
    """The correct order first, then up to ``k - 1`` distinct wrong orders (deterministic:
    the reversal, then adjacent swaps, then rotations)."""
    out = [list(order)]
    cands = [list(reversed(order))]
    for i in range(len(order) - 1):
        c = list(order)
        c[i], c[i + 1] = c[i + 1], c[i]
        cands.append(c)
    cands += [order[i:] + order[:i] for i in range(1, len(order))]
    for c in itertools.chain(cands, (list(p) for p in itertools.permutations(order))):
        if len(out) >= k:
            break
        if c not in out:
            out.append(c)
    return out


def _mc_choices(item) -> list[tuple[str, bool, str]]:
    return [(c.text, bool(c.correct), c.feedback) for c in item.choices]


def _tf_choices(item) -> list[tuple[str, bool, str]]:
    key = str(item.answer).strip().lower() in ("true", "t", "1", "yes")
    return [("True", key, ""), ("False", not key, "")]


# ---- the two dialects --------------------------------------------------------------------------
def cc_items(section, item, base_ident: str, title: str) -> list[str]:
    """Append the CC-profile QTI item(s) for ``item`` to ``section``; return notes on
    conversions. Raises :class:`Unsupported` for an item the profile cannot hold."""

    note = evidence_note(item)
    if note:   # the CC profile allows no other item metadata: the evidence goes to the feedback
        item = _Sub(item, feedback="\n\n".join(x for x in (item.feedback, note) if x))

    def meta_for(profile: str):
        fields = [("cc_profile", profile)]
        if profile == "cc.essay.v0p1":
            fields.append(("qmd_computerscored", "No"))
        return lambda it: _meta(it, fields)

    t = item.type
    if t in ("multichoice", "multiresponse"):
        choices = _mc_choices(item)
        n_ok = sum(ok for _, ok, _ in choices)
        if t == "multichoice":
            if len(choices) < 3 or n_ok != 1:
                raise Unsupported(f"multiple choice with {len(choices)} choices and {n_ok} key(s): "
                                  "the CC profile needs more than 2 choices and one key")
            _choice_item(section, item, base_ident, title, meta_for("cc.multiple_choice.v0p1"), choices, False)
        else:
            if len(choices) < 2 or n_ok < 1:
                raise Unsupported("multiple response needs at least 2 choices and 1 key")
            _choice_item(section, item, base_ident, title, meta_for("cc.multiple_response.v0p1"), choices, True)
        return []
    if t == "truefalse":
        _choice_item(section, item, base_ident, title, meta_for("cc.true_false.v0p1"), _tf_choices(item), False)
        return []
    if t in ("shortanswer", "cloze"):
        answers = [a for a in (item.answers or [item.answer]) if a]
        if not answers:
            raise Unsupported("no accepted answer")
        _fib_item(section, item, base_ident, title, meta_for("cc.fib.v0p1"), answers)
        return []
    if t == "essay":
        _essay_item(section, item, base_ident, title, meta_for("cc.essay.v0p1"))
        return []
    if t == "matching":
        defs = list(dict.fromkeys(b for _, b in item.pairs))
        if len(defs) < 3:
            raise Unsupported(f"matching with {len(defs)} definitions: as CC multiple choice each "
                              "term needs more than 2 definitions to choose from")
        for i, (term, d) in enumerate(item.pairs):
            sub = _Sub(item, stem=f"{item.stem}\n\n{term}")
            _choice_item(section, sub, f"{base_ident}_{i + 1}", f"{title} ({i + 1})",
                         meta_for("cc.multiple_choice.v0p1"), [(x, x == d, "") for x in defs], False)
        return [f"matching item written as {len(item.pairs)} multiple-choice items (CC has no matching)"]
    if t == "ordering":
        if len(item.order) < 3:
            raise Unsupported("ordering of fewer than 3 steps (CC multiple choice needs 3 orders)")
        perms = ordering_permutations(item.order)
        sub = _Sub(item)
        _choice_item(section, sub, base_ident, title, meta_for("cc.multiple_choice.v0p1"),
                     [(" → ".join(p), i == 0, "") for i, p in enumerate(perms)], False)
        return ["ordering item written as multiple choice over orders (CC has no ordering)"]
    raise Unsupported(f"item type {t!r} has no CC 1.1 equivalent")


class _Sub:
    """An item with some fields replaced (for conversions), the rest read from the original."""

    def __init__(self, base, **over):
        self._base, self._over = base, over

    def __getattr__(self, name):
        return self._over[name] if name in self._over else getattr(self._base, name)


CANVAS_TYPES = {
    "multichoice": "multiple_choice_question", "multiresponse": "multiple_answers_question",
    "truefalse": "true_false_question", "matching": "matching_question",
    "ordering": "matching_question", "shortanswer": "short_answer_question",
    "cloze": "short_answer_question", "essay": "essay_question",
}


def canvas_item(section, item, base_ident: str, title: str) -> list[str]:
    """Append the Canvas-native QTI item for ``item`` to ``section``; return notes."""
    t = item.type
    if t not in CANVAS_TYPES:
        raise Unsupported(f"item type {t!r} has no Canvas equivalent")
    answer_ids: list[str] = []

    def meta(it):
        fields = [("question_type", CANVAS_TYPES[t]), ("points_possible", "1.0")]
        if answer_ids:
            fields.append(("original_answer_ids", ",".join(answer_ids)))
        fields.append(("assessment_question_identifierref", ident("q_", base_ident)))
        fields += [("kgstudio_evidence", evidence_entry(ev)) for ev in getattr(item, "evidence", None) or ()]
        if getattr(item, "verification", ""):
            fields.append(("kgstudio_verification", item.verification))
        _meta(it, fields)

    # original_answer_ids must be known before the metadata is written: compute them the
    # same way the item shapes do.
    notes: list[str] = []
    if t in ("multichoice", "multiresponse", "truefalse"):
        choices = _tf_choices(item) if t == "truefalse" else _mc_choices(item)
        if sum(ok for _, ok, _ in choices) < 1 or (t == "multichoice" and sum(ok for _, ok, _ in choices) != 1):
            raise Unsupported("choice item without exactly one key")
        answer_ids[:] = [f"{base_ident}_{i + 1}" for i in range(len(choices))]
        _choice_item(section, item, base_ident, title, meta, choices, t == "multiresponse")
    elif t in ("matching", "ordering"):
        pairs = list(item.pairs) if t == "matching" else ordering_as_pairs(item)
        if len(pairs) < 2:
            raise Unsupported("matching needs at least 2 pairs")
        answers = list(dict.fromkeys(b for _, b in pairs))
        answer_ids[:] = [f"{base_ident}_a{i + 1}" for i in range(len(answers))]
        _match_item(section, item, base_ident, title, meta, pairs)
        if t == "ordering":
            notes.append("ordering item written as matching (position -> step)")
    elif t in ("shortanswer", "cloze"):
        answers = [a for a in (item.answers or [item.answer]) if a]
        if not answers:
            raise Unsupported("no accepted answer")
        _fib_item(section, item, base_ident, title, meta, answers)
    else:
        _essay_item(section, item, base_ident, title, meta)
    return notes


def questestinterop(assessment_ident: str, title: str, *, profile: str):
    """A ``questestinterop`` root with one assessment and its root section (returned)."""
    root = etree.Element(f"{{{QTI_NS}}}questestinterop", nsmap={None: QTI_NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", CC_QTI_LOCATION if profile == "cc" else QTI_LOCATION)
    asmt = _el(root, "assessment", ident=assessment_ident, title=xml_text(title))
    md = _el(asmt, "qtimetadata")
    fields = ([("cc_profile", "cc.exam.v0p1"), ("qmd_assessmenttype", "Examination"),
               ("qmd_scoretype", "Percentage"), ("cc_maxattempts", "unlimited")]
              if profile == "cc" else [("cc_maxattempts", "1")])
    for label, entry in fields:
        f = _el(md, "qtimetadatafield")
        _el(f, "fieldlabel", label)
        _el(f, "fieldentry", entry)
    section = _el(asmt, "section", ident="root_section")
    return root, section


def to_bytes(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
