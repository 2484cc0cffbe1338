""""Which change fixes it?" items: the key edit, executed, prints the intended output; no
distractor edit does; an edit that fixes the bug as well is dropped; no item without the
sandbox."""
from __future__ import annotations

import re

from generation.content.code_fix import apply_edit, fix_items, line_edits, parse_option
from generation.content.quiz import QuizConfig, _Ctx, build_quiz, item_kind
from generation.content.sandbox import run_python

from .conftest import DEMO

LOOP = "total = 0\nfor n in range(1, 5):\n    total = total + n\nprint(total)"


def _ctx(builder, **cfg):
    return _Ctx(builder, QuizConfig(**cfg), "", [], {}, 3)


def _listing(stem: str) -> str:
    body = re.search(r"```\n(.*?)\n```", stem, re.S).group(1)
    return "\n".join(re.sub(r"^\s*\d+  ", "", ln, count=1) for ln in body.split("\n"))


def _section_with(builder, monkeypatch, code: str) -> str:
    sec = DEMO + "section/s4-3"
    info = builder.view.section(sec)
    monkeypatch.setattr(type(builder.view), "source_items", lambda self, **kw: [])
    real = type(builder.view).section
    monkeypatch.setattr(type(builder.view), "section", lambda self, iri: info.__class__(
        **{**info.__dict__, "text": f"A loop:\n\n```python\n{code}\n```\n"}) if iri == sec else real(self, iri))
    return sec


def test_line_edits_change_one_line_and_keep_precedence():
    edits = line_edits(LOOP)
    assert {(e.line, e.new) for e in edits} >= {(2, "for n in range(1, 4):"), (3, "    total = n"),
                                                 (3, "    total = total - n")}
    for e in edits:
        changed = [i for i, (a, b) in enumerate(zip(LOOP.split("\n"), apply_edit(LOOP, e.line, e.new).split("\n")))
                   if a != b]
        assert changed == [e.line - 1]
    # a + b inside a * b * c would read as (a + b) * c once spliced: not offered
    assert "x = a + b * c" not in {e.new for e in line_edits("x = a * b * c")}


def test_key_prints_the_intended_output_and_no_distractor_does(builder, monkeypatch):
    sec = _section_with(builder, monkeypatch, LOOP)
    ctx = _ctx(builder)
    items = fix_items(ctx, [sec], [], [], 1)
    assert len(items) == 1, ctx.rejected
    it = items[0]
    assert item_kind(it) == "code_fix" and it.bloom == "analyze" and it.type == "multichoice"
    assert "It should print `10`." in it.stem
    buggy = _listing(it.stem)
    assert buggy != LOOP and run_python(buggy).stdout != "10\n"
    keys = it.correct_choices()
    assert len(keys) == 1 and keys[0].text == it.answer
    assert len(it.choices) == 4 and len({c.text for c in it.choices}) == 4
    for c in it.choices:
        line, new = parse_option(c.text)
        old = buggy.split("\n")[line - 1]
        prog = apply_edit(buggy, line, old[:len(old) - len(old.lstrip())] + new)
        out = run_python(prog).stdout
        if c.correct:
            assert prog == LOOP and out == "10\n" and "is the bug" in c.feedback
        else:
            assert out != "10\n" and c.feedback.endswith("not `10`.")


def test_an_edit_that_fixes_the_bug_as_well_is_dropped(builder, monkeypatch):
    # x = 3, y = x * 2 prints 6; with the slip x = 4 (prints 8), the edit y = x + 2 prints 6
    # as well (and with the slip y = x + 2, the edit x = 4 does): it is no distractor. The
    # loop makes both slips recognisable bugs (see test_a_bug_must_be_recognisable_...)
    code = "x = 3\nfor i in range(1):\n    y = x * 2\nprint(y)"
    sec = _section_with(builder, monkeypatch, code)
    slips = {"x = 4\nfor i in range(1):\n    y = x * 2\nprint(y)": "Replace line 3 with `y = x + 2`",
             "x = 3\nfor i in range(1):\n    y = x + 2\nprint(y)": "Replace line 1 with `x = 4`"}
    for seed in (f"s{i}" for i in range(40)):      # the seed picks the slip: find one of the two
        ctx = _ctx(builder, seed=seed)
        items = fix_items(ctx, [sec], [], [], 1)
        assert items, ctx.rejected
        buggy = _listing(items[0].stem)
        if buggy in slips:
            break
    assert buggy in slips
    also = slips[buggy]
    assert also not in {c.text for c in items[0].choices}
    assert all("its output equals the key's" in r for r in ctx.rejected if also in r)
    for c in items[0].choices:
        line, new = parse_option(c.text)
        old = buggy.split("\n")[line - 1]
        prog = apply_edit(buggy, line, old[:len(old) - len(old.lstrip())] + new)
        assert (run_python(prog).stdout == "6\n") == c.correct


def test_sandbox_off_gives_no_item_and_counts_why(builder, monkeypatch):
    sec = _section_with(builder, monkeypatch, LOOP)
    ctx = _ctx(builder, run_code=False)
    assert fix_items(ctx, [sec], [], [], 2) == []
    assert ctx.rejected == [f"code listing in <{sec}>: no 'which change fixes it' item: code execution is off"]
    monkeypatch.setenv("KGSTUDIO_RUN_CODE", "0")
    ctx = _ctx(builder)
    assert fix_items(ctx, [sec], [], [], 2) == [] and len(ctx.rejected) == 1


def test_a_loops_quiz_on_the_demo_contains_one(builder):
    quiz = build_quiz(builder, DEMO + "section/s4-3",
                      QuizConfig(n=6, include_curriculum=False, types=("code_fix", "multichoice", "contrast")))
    fixes = [it for it in quiz.items if item_kind(it) == "code_fix"]
    assert len(fixes) == 1
    it = fixes[0]
    assert it.verification.startswith("key: the edit that restores") and "executed" in it.verification
    assert [(e.section, e.paragraph) for e in it.evidence] == [(DEMO + "item/q4-3-1", "code")]
    assert "for n in range(1, 5):" in it.evidence[0].text


def test_exporters_show_the_listing_and_options_as_code(builder, monkeypatch):
    import html

    from generation.export.gift import parse_gift, question_gift
    from generation.export.qti import html_para
    code = 'd = {"a": 1}\nfor k in range(1, 3):\n    d[k] = k * 2  # {k: 2k}\nprint(d)'
    sec = _section_with(builder, monkeypatch, code)
    [it] = fix_items(_ctx(builder), [sec], [], [], 1)
    want = "{'a': 1, 1: 2, 2: 4}"
    assert f"It should print `{want}`." in it.stem
    [q] = parse_gift(question_gift(it, "fix {1}", "kg_1"))
    blocks = [html.unescape(b) for b in re.findall(r"<pre><code[^>]*>(.*?)</code></pre>", q["text"], re.S)]
    assert [re.sub(r"(?m)^\s*\d+  ", "", b) for b in blocks] == [_listing(it.stem)]
    assert want in html.unescape(q["text"])
    assert sorted(html.unescape(a["text"]) for a in q["answers"]) == sorted(c.text for c in it.choices)
    assert [a["fraction"] for a in q["answers"]].count(100.0) == 1
    page = html_para(it.stem)            # QTI, Moodle XML and the site write stems through it
    assert page.count("<pre><code>") == 1 and "d = {&quot;a&quot;: 1}" not in page and 'd = {"a": 1}' in page


def test_a_quiz_with_execution_off_has_no_fix_item_and_says_why(builder):
    quiz = build_quiz(builder, DEMO + "section/s4-3", QuizConfig(n=6, include_curriculum=False, run_code=False))
    assert not any(item_kind(it) in ("code", "code_fix") for it in quiz.items)
    assert [r for r in quiz.rejected_reasons if "fixes it" in r] == [
        f"code listing in <{DEMO}item/q4-3-1>: no 'which change fixes it' item: code execution is off"]


def test_with_both_kinds_the_listings_are_shared_and_the_kinds_alternate(builder):
    quiz = build_quiz(builder, DEMO + "section/s6-4", QuizConfig(n=8, include_curriculum=False))
    kinds = [item_kind(it) for it in quiz.items]
    assert kinds[:2] in (["code", "code_fix"], ["code_fix", "code"]), kinds
    fix = next(it for it in quiz.items if item_kind(it) == "code_fix")
    code = next(it for it in quiz.items if item_kind(it) == "code")
    assert fix.triples[0].o not in code.stem            # never the same listing twice


def test_a_bug_must_be_recognisable_from_the_program():
    """Round-8 reading: "a = b + 2 should leave a at 14" is an arithmetic puzzle, not a bug;
    the same operator slip inside a loop, or a loop's starting value, is one."""
    from generation.content.code_fix import line_edits, recognisable
    straight = "b = 12\na = b + 2\n"
    assert [e for e in line_edits(straight) if recognisable(straight, e)] == []
    loop = "total = 0\nfor n in range(1, 5):\n    total = total + n\nprint(total)\n"
    ok = [e for e in line_edits(loop) if recognisable(loop, e)]
    assert any(e.bug == "a wrong operator" and e.line == 3 for e in ok)
    assert any(e.bug.startswith("a wrong starting value") and e.line == 1 for e in ok)
    assert any(e.bug.startswith("an off-by-one") for e in ok)
