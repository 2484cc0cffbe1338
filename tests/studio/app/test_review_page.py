"""AppTest of the Review page: the queue by state, approve with a comment (a review record
with who and when), invalid transitions disabled, versions compared side by side."""
from __future__ import annotations

from generation.content.model import ItemState
from generation.content.repository import Repository, item_iri
from studio.app_content import builder_now
from studio.app_content import build_lock

SCOPE = "https://w3id.org/kgstudio/id/foundations-of-programming/concept/for-loop"


def _lesson(demo_ws, store):
    from generation.content.lesson import build_lesson
    repo = Repository(store)
    iri = item_iri("lesson", SCOPE)
    if not repo.exists(iri):
        with build_lock:
            lesson = build_lesson(builder_now(demo_ws, timeout=300), SCOPE)
        repo.save(lesson, author="Writer", expected_version=0)
        lesson.paragraphs[0].text = "Second version text."
        repo.save(lesson, author="Writer", expected_version=1, comment="edited")
    return repo, iri


def test_empty_filter_and_queue(app, demo_ws, store):
    _lesson(demo_ws, store)
    at = app("app_pages/review.py").run()
    assert not at.exception
    queue = next(m.value for m in at.markdown if m.value.startswith("| title | kind | state |"))
    assert any(line.startswith("| For loop | lesson | draft | 2 | Writer |") for line in queue.splitlines())
    assert not at.dataframe                           # the sortable table waits for its expander
    at.session_state["review_table"] = True
    at.run()
    df = at.dataframe[0].value
    assert {"title", "kind", "state", "version", "author"} <= set(df.columns)
    assert "For loop" in set(df["title"])
    at.multiselect(key="review_states").set_value(["rejected"]).run()
    assert any("No items match" in i.value for i in at.info)


def test_submit_approve_with_comment_and_compare(app, demo_ws, store):
    repo, iri = _lesson(demo_ws, store)
    at = app("app_pages/review.py").run()
    at.selectbox(key="review_item").set_value(iri).run()
    at.button(key="review_submit").click().run()
    assert repo.state(iri) == ItemState.IN_REVIEW
    at.text_area(key="review_comment").input("Clear and correct.").run()
    at.button(key="review_approve").click().run()
    assert not at.exception
    assert repo.state(iri) == ItemState.APPROVED
    last = repo.reviews(iri)[-1]
    assert (last.action, last.by, last.comment) == ("approve", "Tess Tester", "Clear and correct.")
    assert last.at.endswith("Z")
    # approved items leave the default queue; show them and compare v1 with v2
    at.multiselect(key="review_states").set_value(["approved"]).run()
    at.selectbox(key="review_item").set_value(iri).run()
    assert at.button(key="review_submit").disabled        # an approved item is not resubmitted
    assert not at.code                                     # only the tab in view is built
    at.session_state["review_tab"] = "Compare versions"
    at.run()
    diff = at.code[0].value
    assert diff.startswith("--- v1") and "+Second version text." in diff
