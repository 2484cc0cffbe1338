"""GIFT: code in stems, choices and feedback is shown as code (<pre><code>, no &nbsp; or
escaped parentheses) and GIFT's special characters inside it are escaped, so a listing with
``{ } = ~ # :`` reads back unchanged."""
from __future__ import annotations

import html
import re

from generation.content.model import Choice, QuizItem
from generation.export.gift import code_html, parse_gift, question_gift

LISTING = ('d = {"a": 1, "b": 2}  # a dict: {key: value}\n'
           'if d["a"] == 1 and not ~0 == -1:\n'
           '    print(f"{d} -> ok: {{literal}}")\n'
           'path = "C:\\\\temp\\\\new"   # backslashes\n'
           'x = 5 # 3 ~ 2')


def _code(text: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r"<pre><code[^>]*>(.*?)</code></pre>", text, re.S)]


def test_gift_round_trips_a_code_listing_with_special_characters():
    item = QuizItem(type="multichoice", stem=f"What does this code print?\n\n```python\n{LISTING}\n```",
                    answer="{'a': 1}", feedback="Run it: `print(d)` shows {'a': 1, 'b': 2}.",
                    choices=[Choice("{'a': 1}", True, "Right: = and ~ are # fine: {}"),
                             Choice("a = {1}", False, "No: ~x"), Choice("#:~", False, "")])
    text = question_gift(item, "q1 {code}", "kg_1")
    assert "&nbsp;" not in text and "\\(" not in text
    [q] = parse_gift(text)
    assert q["type"] == "multichoice" and q["name"] == "q1 {code}"
    assert _code(q["text"]) == [LISTING]
    assert q["text"].startswith("<p>What does this code print?</p><pre><code class=\"language-python\">")
    assert [html.unescape(a["text"]) for a in q["answers"]] == ["{'a': 1}", "a = {1}", "#:~"]
    assert [a["fraction"] for a in q["answers"]] == [100.0, 0.0, 0.0]
    assert html.unescape(q["answers"][0]["feedback"]) == "Right: = and ~ are # fine: {}"
    assert html.unescape(q["generalfeedback"]) == item.feedback


def test_indented_code_in_a_curriculum_stem_is_shown_as_code():
    stem = "How many times does this loop print a line?\n\n    n = 10\n    while n > 0:\n        print(n)\n"
    out = code_html(stem)
    assert out == ('<p>How many times does this loop print a line?</p><pre><code>n = 10\nwhile n &gt; 0:\n'
                   '    print(n)</code></pre>')
    [q] = parse_gift(question_gift(QuizItem(type="shortanswer", stem=stem, answer="4", answers=["4"]), "n", "i"))
    assert _code(q["text"]) == ["n = 10\nwhile n > 0:\n    print(n)"]
    assert q["answers"][0]["text"] == "4"
