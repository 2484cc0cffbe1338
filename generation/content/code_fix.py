""""Which change fixes it?" items from the curriculum's code listings.

A listing that runs and prints (or returns, or leaves in a variable) a known output is the
key program. One typical slip is put into one of its lines (an off-by-one range bound or
loop condition, a flipped comparison, a wrong operator, an update that overwrites instead of
accumulating, a changed starting value); the slipped program is executed and kept only when
it runs and prints something else. The stem shows the buggy listing with line numbers and
what it should print; the options are one-line edits: the key restores the original line,
the distractors are other plausible edits of the same or a nearby line. Every option's
program is executed in the sandbox: the key's prints the intended output (twice, the same
each time) and no distractor's does; an item that fails a check is not emitted, and why is
counted in the quiz's rejected reasons.

Imports :mod:`generation.content.code_run` and :mod:`generation.content.quiz_basics`, never
the quiz builder (no import circle)."""
from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass

from generation.base import Triple
from generation.content.code_run import UNSAFE, book_call, code_concept, code_listings, output_text, run_cached
from generation.content.model import Choice, QuizItem
from generation.content.quiz_basics import difficulty, norm, stable
from ontology.namespaces import KGS

__all__ = ["FIX_LEAD", "FIX_QUESTION", "LineEdit", "line_edits", "apply_edit", "numbered", "fix_items",
           "is_fix_stem", "listing_of", "parse_option", "prefers_fix"]

#: How every "which change fixes it?" stem begins (``quiz.item_kind`` recognises it).
FIX_LEAD = "This program has one bug."
FIX_QUESTION = "Which change makes it do that?"
_OPTION = re.compile(r"^Replace line (\d+) with `(.*)`$", re.S)


@dataclass(frozen=True)
class LineEdit:
    line: int          # 1-based line number
    new: str           # the whole new line, indentation kept
    rank: int          # how typical the slip is (lower: more typical)
    bug: str           # what the slip is, named for a learner


_CMP_BOUND = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt}
_CMP_FLIP = {ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE, ast.GtE: ast.LtE, ast.Eq: ast.NotEq,
             ast.NotEq: ast.Eq}
_OP_SWAP = {ast.Add: [ast.Sub, ast.Mult], ast.Sub: [ast.Add], ast.Mult: [ast.Add, ast.Pow],
            ast.FloorDiv: [ast.Div, ast.Mod], ast.Div: [ast.FloorDiv], ast.Mod: [ast.FloorDiv],
            ast.Pow: [ast.Mult]}


def _splice(code: str, node: ast.AST, new_node: ast.AST) -> str:
    """``code`` with ``node``'s text (on one line) replaced by ``new_node`` unparsed."""
    lines = code.split("\n")
    raw = lines[node.lineno - 1].encode()
    text = raw[:node.col_offset] + ast.unparse(new_node).encode() + raw[node.end_col_offset:]
    lines[node.lineno - 1] = text.decode()
    return "\n".join(lines)


def _edits_of(code: str) -> list[tuple[ast.AST, ast.AST, int, str]]:
    """(node, replacement node, rank, bug) for each typical slip at a one-line node of ``code``."""
    tree = ast.parse(code)
    out: list[tuple[ast.AST, ast.AST, int, str]] = []
    top_init = {id(n.value) for n in tree.body if isinstance(n, ast.Assign)}
    for n in ast.walk(tree):
        if getattr(n, "lineno", None) is None or n.lineno != getattr(n, "end_lineno", None):
            continue
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "range":
            for j, arg in enumerate(n.args[:2]):
                for d in (1, -1):
                    m = copy.deepcopy(n)
                    if isinstance(arg, ast.Constant) and type(arg.value) is int:
                        m.args[j] = ast.Constant(arg.value + d)
                    else:
                        m.args[j] = ast.BinOp(copy.deepcopy(arg), ast.Add() if d > 0 else ast.Sub(), ast.Constant(1))
                    what = (f"starts one step too {'late' if d > 0 else 'early'}" if j == 0 and len(n.args) > 1
                            else f"stops one step too {'late' if d > 0 else 'early'}")
                    out.append((n, m, 0, f"an off-by-one error: the range {what} (range(…) stops just "
                                         f"before its stop value)"))
        elif isinstance(n, ast.Compare) and len(n.ops) == 1:
            op = type(n.ops[0])
            if op in _CMP_BOUND:
                m = copy.deepcopy(n)
                m.ops[0] = _CMP_BOUND[op]()
                out.append((n, m, 1, "an off-by-one error at the boundary: the comparison includes or "
                                     "excludes the limit the wrong way"))
            if op in _CMP_FLIP:
                m = copy.deepcopy(n)
                m.ops[0] = _CMP_FLIP[op]()
                out.append((n, m, 4, "a flipped comparison: the condition tests the opposite"))
            for k, side in enumerate([n.left, *n.comparators]):
                if isinstance(side, ast.Constant) and type(side.value) is int:
                    m = copy.deepcopy(n)
                    tgt = ast.Constant(side.value + 1)
                    if k == 0:
                        m.left = tgt
                    else:
                        m.comparators[k - 1] = tgt
                    out.append((n, m, 5, "a wrong limit: the comparison uses a number one off"))
        elif isinstance(n, ast.AugAssign):
            m = ast.Assign([copy.deepcopy(n.target)], copy.deepcopy(n.value), lineno=n.lineno)
            out.append((n, m, 2, "a missing update: the variable is overwritten instead of updated"))
            for new in _OP_SWAP.get(type(n.op), []):
                m = copy.deepcopy(n)
                m.op = new()
                out.append((n, m, 3, "a wrong operator in the update"))
        elif isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):
            t, val = n.targets[0].id, n.value
            if isinstance(val, ast.BinOp) and isinstance(val.left, ast.Name) and val.left.id == t:
                m = copy.deepcopy(n)
                m.value = copy.deepcopy(val.right)
                out.append((n, m, 2, f"a missing update: {t} is overwritten instead of updated from its old value"))
            if isinstance(val, ast.Constant) and type(val.value) is int and id(val) in top_init:
                for d in (1, -1):
                    m = copy.deepcopy(n)
                    m.value = ast.Constant(val.value + d)
                    out.append((n, m, 3, f"a wrong starting value for {t}"))
        if isinstance(n, ast.BinOp) and type(n.op) in _OP_SWAP:
            for new in _OP_SWAP[type(n.op)]:
                m = copy.deepcopy(n)
                m.op = new()
                out.append((n, m, 3, "a wrong operator"))
        if isinstance(n, ast.Return) and isinstance(n.value, ast.Constant) and type(n.value.value) is int:
            for d in (1, -1):
                m = copy.deepcopy(n)
                m.value = ast.Constant(n.value.value + d)
                out.append((n, m, 3, "a wrong value in the base case"))
    return out


def recognisable(code: str, edit: LineEdit) -> bool:
    """Whether a learner could find ``edit`` as a bug from the program and what it should do:
    a slip in a loop, a condition or a function (a bound, a comparison, an update, a base case)
    can be reasoned about; a changed operator or number in straight-line code is an arithmetic
    puzzle ("``a = b + 2`` should leave ``a`` at 14"), and a changed starting value counts only
    in a program with a loop, where it is the loop's start."""
    tree = ast.parse(code)
    blocks = [n for n in ast.walk(tree) if isinstance(n, (ast.For, ast.While, ast.If, ast.FunctionDef))]
    if edit.rank != 3:
        return True
    if edit.bug.startswith("a wrong starting value"):
        return any(isinstance(n, (ast.For, ast.While)) for n in blocks)
    return any(n.lineno <= edit.line <= (n.end_lineno or n.lineno) for n in blocks)


def line_edits(code: str) -> list[LineEdit]:
    """Every one-line typical slip of ``code`` as a :class:`LineEdit`, most typical first
    (each changes exactly one line and leaves a program that parses to the slipped tree)."""
    out: list[LineEdit] = []
    seen = set()
    lines = code.split("\n")
    for node, new_node, rank, bug in _edits_of(code):
        new_code = _splice(code, node, new_node)
        new_line = new_code.split("\n")[node.lineno - 1]
        if new_line == lines[node.lineno - 1] or (node.lineno, new_line) in seen \
                or not _same_tree(code, node, new_node, new_code):
            continue
        seen.add((node.lineno, new_line))
        out.append(LineEdit(node.lineno, new_line, rank, bug))
    return sorted(out, key=lambda e: e.rank)


def _same_tree(code: str, node: ast.AST, new_node: ast.AST, spliced: str) -> bool:
    """``spliced`` parses to ``code``'s tree with ``node`` replaced by ``new_node`` (an
    operator swap inside ``a * b * c`` may not, by precedence, and is then left out)."""
    class Swap(ast.NodeTransformer):
        def generic_visit(self, n):
            if (type(n) is type(node) and getattr(n, "lineno", None) == node.lineno
                    and getattr(n, "col_offset", None) == node.col_offset
                    and getattr(n, "end_col_offset", None) == node.end_col_offset):
                return new_node
            return super().generic_visit(n)
    try:
        mine = ast.dump(ast.parse(spliced))
        swapped = ast.fix_missing_locations(Swap().visit(ast.parse(code)))
        return mine == ast.dump(ast.parse(ast.unparse(swapped)))
    except (SyntaxError, ValueError, TypeError, AttributeError):
        return False


def apply_edit(code: str, line: int, new: str) -> str:
    """``code`` with line ``line`` (1-based) replaced by ``new``."""
    lines = code.split("\n")
    lines[line - 1] = new
    return "\n".join(lines)


def numbered(code: str) -> str:
    """The listing with its line numbers, as the stem shows it."""
    lines = code.split("\n")
    w = len(str(len(lines)))
    return "\n".join(f"{i:>{w}}  {ln}" for i, ln in enumerate(lines, 1))


def listing_of(item) -> str:
    """The listing (as the curriculum gives it) a fix item rests on ("" for another item)."""
    return next((t.o for t in item.triples if t.p == str(KGS.text)), "") if is_fix_stem(item.stem) else ""


def prefers_fix(seed: str, code: str) -> bool:
    """Whether a quiz asking both kinds offers ``code`` first to a fix item (about half the
    listings, fixed by the seed) rather than to a "what does it print?" item."""
    return stable(seed, "code-kind", code) % 2 == 1


def is_fix_stem(stem: str) -> bool:
    return stem.startswith(FIX_LEAD) and FIX_QUESTION in stem


def parse_option(text: str) -> tuple[int, str] | None:
    """(line, new line text without its indentation) of an option "Replace line k with `…`"."""
    m = _OPTION.match(text)
    return (int(m.group(1)), m.group(2)) if m else None


def _option(line: int, new: str) -> str:
    return f"Replace line {line} with `{new.strip()}`"


def _shown(out: str) -> str:
    return "`" + output_text(out).replace("`", "'") + "`"


def _what_it_does(r, mode: str = "prints") -> str:
    """What a run of an option's program does, for its feedback (``mode``: "prints",
    "returns", or "leaves a =" for a variable's value)."""
    if r.timed_out:
        return "it does not stop (stopped at the time limit)"
    if not r.ok:
        err = (r.stderr or "").strip().split("\n")[-1][:80]
        return f"it stops with an error ({err})" if err else "it does not run to the end"
    if not r.stdout.strip():
        return "it prints nothing"
    return f"it {mode} {_shown(r.stdout)}"


def _listings(v, sections: list[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for s_ in dict.fromkeys(sections):
        out += [(code, s_) for code in code_listings(v.section(s_).text)]
        for src in v.source_items(of=[s_]):
            out += [(code, src.iri) for code in code_listings(src.stem)]
    return out


def fix_items(ctx, sections: list[str], concepts: list[str], taken: list, limit: int, *,
              max_runs: int = 24, only=None) -> list[QuizItem]:
    """Up to ``limit`` "which change fixes it?" items from the listings of ``sections``
    (their text and their own questions' stems). ``ctx`` is the quiz builder's context (its
    view, config and ``reject``); ``taken`` are the items already in the quiz: a listing an
    item there already shows (a "what does this code print?" item) is not used, since the
    fix item's stem would give its output away. At most ``max_runs`` sandbox runs per listing;
    ``only``: a test a listing must pass to be used (None: every listing)."""
    from generation.content.sandbox import SandboxDisabled, execution_enabled
    if limit <= 0:
        return []
    v = ctx.b.view
    secs = list(dict.fromkeys(sections or [s for c in concepts for s in v.sections_teaching(c)[:1]]))
    listings = _listings(v, secs)
    if not ctx.cfg.run_code or not execution_enabled():
        for _code, origin in listings:
            if only is None or only(_code):
                ctx.reject(f"code listing in <{origin}>: no 'which change fixes it' item: code execution is off")
        return []
    shown = " ".join(norm(it.stem) for it in taken)
    out: list[QuizItem] = []
    done: set[str] = set()
    for code, origin in listings:
        if len(out) >= limit:
            break
        if code in done or UNSAFE.search(code) or norm(code) in shown or (only is not None and not only(code)):
            continue
        done.add(code)
        try:
            item = _fix_item(ctx, code, origin, secs, concepts, max_runs)
        except SandboxDisabled:
            ctx.reject(f"code listing in <{origin}>: no 'which change fixes it' item: code execution is off")
            return out
        if item is not None:
            out.append(item)
    return out


def _fix_item(ctx, code: str, origin: str, secs: list[str], concepts: list[str], max_runs: int) -> QuizItem | None:
    from generation.content.sandbox import run_python
    v = ctx.b.view
    why = f"code listing in <{origin}>: fix item: "
    r = run_cached(code, True)
    suffix, should, mode = "", "", "prints"
    if r.ok and not r.stdout.strip():
        names = re.findall(r"(?m)^([A-Za-z_]\w*)\s*[-+*/]?=", code)
        call = book_call(code, v.section(origin).text if origin in secs else "")
        if names:
            suffix = f"\nprint(repr({names[-1]}))"
        elif call:
            suffix = f"\nprint(repr({call}))"
        else:
            return None
        r = run_cached(code + suffix, True)
        if r.ok and r.stdout.strip():
            val = output_text(r.stdout).replace("`", "'")
            should = (f"After it runs, `{names[-1]}` should be `{val}`." if names
                      else f"The call `{call}` should return `{val}`.")
            mode = f"leaves {names[-1]} =" if names else "returns"
    if not r.ok or not r.stdout.strip():
        return None                      # the "what does it print" item counts this drop
    if r.stdout.count("\n") > 6 or len(output_text(r.stdout)) > 80:
        return None
    if run_python(code + suffix, cpu_s=1, wall_s=3.0, file_mb=1 / 16).stdout != r.stdout:
        ctx.reject(why + "its output changes from run to run")
        return None
    want = r.stdout
    if not should:
        multi = "\n" in want.rstrip("\n")
        should = ("It should print:\n\n```\n" + want.rstrip("\n") + "\n```\n\n" if multi
                  else f"It should print {_shown(want)}.")
    runs = 0
    edits = sorted(line_edits(code), key=lambda e: (e.rank, stable(ctx.cfg.seed, "fix", code, e.line, e.new)))
    bug, buggy, bug_run = None, "", None
    for e in edits:
        if runs >= max_runs // 3:
            break
        if not recognisable(code, e):
            continue
        prog = apply_edit(code, e.line, e.new)
        rb = run_cached(prog + suffix, True)
        runs += 1
        if rb.ok and rb.stdout.strip() and rb.stdout != want and len(output_text(rb.stdout)) <= 80 \
                and rb.stdout.count("\n") <= 6:
            bug, buggy, bug_run = e, prog, rb
            break
    if bug is None:
        ctx.reject(why + "no one-line slip runs and prints something else")
        return None
    original_line = code.split("\n")[bug.line - 1]
    # the key: restore the line; executed, it must print the intended output (twice)
    fixed = apply_edit(buggy, bug.line, original_line)
    rk = run_cached(fixed + suffix, True)
    if not rk.ok or rk.stdout != want:
        ctx.reject(why + "the key edit, executed, does not print the intended output")
        return None
    # distractors: other slips of the buggy program on the same or a nearby line
    cands = [e for e in line_edits(buggy) if abs(e.line - bug.line) <= 2
             and not (e.line == bug.line and e.new.strip() == original_line.strip())]
    cands.sort(key=lambda e: (e.line != bug.line, abs(e.line - bug.line), e.rank,
                              stable(ctx.cfg.seed, "fixd", code, e.line, e.new)))
    k = ctx.cfg.n_choices - 1
    picked: list[tuple[LineEdit, object]] = []
    texts = {_option(bug.line, original_line)}
    for e in cands:
        if len(picked) >= k or runs >= max_runs:
            break
        opt = _option(e.line, e.new)
        if opt in texts:
            continue
        rd = run_cached(apply_edit(buggy, e.line, e.new) + suffix, True)
        runs += 1
        if rd.ok and rd.stdout == want:
            ctx.reject(why + f"distractor {opt!r}: its output equals the key's (it fixes the bug as well)")
            continue
        texts.add(opt)
        picked.append((e, rd))
    if len(picked) < 2:
        ctx.reject(why + "fewer than 2 other edits, executed, fail to print the intended output")
        return None
    key_text = _option(bug.line, original_line)
    got = _what_it_does(bug_run, mode)
    choices = [Choice(key_text, True,
                      f"Correct: line {bug.line}, `{buggy.split(chr(10))[bug.line - 1].strip()}`, is the bug: "
                      f"{bug.bug}. As written {got}; with `{original_line.strip()}` it gives {_shown(want)}.", "")]
    for e, rd in picked:
        where = (f"Line {e.line} is the line to change, but with this edit"
                 if e.line == bug.line else "With this edit")
        choices.append(Choice(_option(e.line, e.new), False,
                              f"{where} {_what_it_does(rd, mode)}, not {_shown(want)}.", ""))
    choices.sort(key=lambda c: stable(ctx.cfg.seed, "fixo", code, c.text))
    gap = "" if should.endswith("\n") else " "       # a fenced output block ends its own paragraph
    stem = f"{FIX_LEAD}\n\n```\n{numbered(buggy)}\n```\n\n{should}{gap}{FIX_QUESTION}"
    concept = code_concept(v, code, concepts)
    obj = next((o for o in v.objectives(of=secs) if o.bloom == "analyze"), None) or \
        next((o for o in v.objectives(of=secs) if o.bloom in ("apply", "evaluate")), None)
    item = QuizItem(type="multichoice", stem=stem, choices=choices, answer=key_text, concept=concept,
                    concepts=[concept] if concept else [], objective=obj.iri if obj else "",
                    objective_text=obj.text if obj else "", bloom="analyze",
                    difficulty=difficulty(v, ctx.max_depth, "code_fix", concept), source="generated",
                    generator=ctx.b.templates.name, checkpoint=ctx.b.templates.checkpoint,
                    triples=[Triple(origin, str(KGS.text), code)],
                    feedback=f"The bug is on line {bug.line}: {bug.bug}. Each wrong option's feedback says what "
                             f"the program does after that edit.")
    return item
