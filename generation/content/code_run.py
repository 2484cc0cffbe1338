"""Running a curriculum's code listings for quiz items: finding the Python listings in a
text, running them in the sandbox (once per process), the typical slips as mutated programs,
and the inputs or calls a listing needs to print something.

Shared by the "what does this code print?" items (:mod:`generation.content.quiz`) and the
"which change fixes it?" items (:mod:`generation.content.code_fix`), which import it, never
each other (no import circle)."""
from __future__ import annotations

import hashlib
import re

from generation.content import flaws

__all__ = ["code_listings", "code_distractors", "run_cached", "output_text", "mutants", "book_call",
           "free_input", "code_concept", "UNSAFE"]

_FENCE = re.compile(r"(?ms)^[ \t]*```[ \t]*([\w+.-]*)[ \t]*\n(.*?)^[ \t]*```[ \t]*$")
_PY_LANGS = {"", "python", "py", "python3", "pycon"}
UNSAFE = re.compile(r"\b(input|open|random|time|datetime|os|sys|socket|subprocess|threading|exit|quit)\b")


def code_listings(text: str) -> list[str]:
    """Python listings in ``text``: fenced Markdown blocks (contract 1: "```python" …
    "```", or no language) and blocks indented by four spaces after a blank or a line ending
    in ":" / "?" (Markdown's indented code, as in the demo's question stems). Only listings
    that parse as Python and contain a statement are returned, dedented."""
    import ast
    import textwrap
    out: list[str] = []
    for m in _FENCE.finditer(text or ""):
        if m.group(1).lower() in _PY_LANGS:
            out.append(textwrap.dedent(m.group(2)).strip("\n"))
    rest = _FENCE.sub("\n", text or "")
    block: list[str] = []
    for line in rest.split("\n") + [""]:
        if re.match(r"^( {4,}|\t)\S", line) or (block and not line.strip()):
            block.append(line)
            continue
        if block:
            out.append(textwrap.dedent("\n".join(block)).strip("\n"))
            block = []
    if block:
        out.append(textwrap.dedent("\n".join(block)).strip("\n"))
    good = []
    for code in out:
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError):
            continue
        if tree.body and len(code.split("\n")) <= 25 and code not in good:
            good.append(code)
    return good


_RUNS: dict[str, object] = {}


def run_cached(code: str, enabled: bool):
    """Sandbox result of ``code`` (cached per process: a listing runs once)."""
    from generation.content.sandbox import run_python
    key = hashlib.sha256(code.encode()).hexdigest()
    if key not in _RUNS:
        # 64 KB of output is far more than an option shows: a runaway print loop stops early
        _RUNS[key] = run_python(code, cpu_s=1, wall_s=3.0, file_mb=1 / 16, enabled=enabled)
    return _RUNS[key]


def output_text(out: str) -> str:
    lines = out.rstrip("\n").split("\n")
    return " / ".join(ln.rstrip() for ln in lines)


def mutants(code: str) -> list[tuple[str, str]]:
    """(mutated program, what was changed) for the typical slips, most typical first: an
    off-by-one in a range bound, a changed comparison, a changed initial value, a changed
    arithmetic operator."""
    import ast
    tree0 = ast.parse(code)
    nodes0 = list(ast.walk(tree0))
    sites: list[tuple[int, int, str]] = []     # (rank, node index, change)
    cmp_swap = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
                ast.NotEq: ast.Eq}
    op_swap = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Add, ast.FloorDiv: ast.Div, ast.Div: ast.FloorDiv,
               ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult}
    top_assign = {id(n.value) for n in tree0.body if isinstance(n, ast.Assign)}
    for i, n in enumerate(nodes0):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "range":
            for j in range(len(n.args)):
                sites += [(0, i, f"range:{j}:+1"), (0, i, f"range:{j}:-1")]
        elif isinstance(n, ast.Compare) and type(n.ops[0]) in cmp_swap:
            sites.append((1, i, "compare"))
        elif isinstance(n, ast.Constant) and type(n.value) is int and id(n) in top_assign:
            sites += [(2, i, "init:+1"), (2, i, "init:-1")]
        elif isinstance(n, ast.Constant) and type(n.value) is int and not isinstance(n.value, bool):
            sites += [(4, i, "const:+1")]
        elif isinstance(n, (ast.BinOp, ast.AugAssign)) and type(n.op) in op_swap:
            sites.append((3, i, "op"))
    out = []
    for rank, i, change in sorted(sites, key=lambda s: (s[0], s[1], s[2])):
        tree = ast.parse(code)
        n = list(ast.walk(tree))[i]
        if change.startswith("range"):
            _, j, d = change.split(":")
            j, d = int(j), int(d)
            before = ast.unparse(n)
            arg = n.args[j]
            if isinstance(arg, ast.Constant) and type(arg.value) is int:
                arg.value += d
            else:
                n.args[j] = ast.BinOp(arg, ast.Add() if d > 0 else ast.Sub(), ast.Constant(1))
            why = f"with {ast.unparse(n)} in place of {before}: an off-by-one slip (range stops just before its stop value)"
        elif change == "compare":
            before = ast.unparse(n)
            n.ops[0] = cmp_swap[type(n.ops[0])]()
            why = f"with {ast.unparse(n)} in place of {before}: the boundary is checked the other way"
        elif change.startswith("init"):
            before = n.value
            n.value += int(change.split(":")[1])
            why = f"if the starting value were {n.value} instead of {before}"
        elif change.startswith("const"):
            before = n.value
            n.value += 1
            why = f"with {n.value} in place of {before}"
        else:
            before = ast.unparse(n)
            n.op = op_swap[type(n.op)]()
            why = f"with {ast.unparse(n)} in place of {before}: a changed operator"
        try:
            out.append((ast.unparse(tree), why))
        except Exception:
            continue
    return out


def code_distractors(code: str, key: str, k: int = 3, *, enabled: bool = True, max_runs: int = 10,
                     suffix: str = ""):
    """Up to ``k`` (output, feedback) distractors for a listing whose output is ``key``: the
    outputs of mutated programs (:func:`mutants` of ``code``, then ``suffix``: the line
    that prints what the question asks about, never mutated), each executed in the sandbox.
    A mutant that fails, or whose output equals the key or an earlier distractor, is
    dropped; the second value lists why each dropped mutant was dropped."""
    from concurrent.futures import ThreadPoolExecutor
    picked: list[tuple[str, str]] = []
    dropped: list[str] = []
    seen = {output_text(key)}
    progs = mutants(code)[:max_runs]
    with ThreadPoolExecutor(max_workers=2) as pool:      # each run is its own process
        results = list(pool.map(lambda m: run_cached(m[0] + suffix, enabled), progs))
    for (prog, why), r in zip(progs, results):
        if len(picked) >= k:
            break
        if not r.ok or not r.stdout.strip():
            dropped.append(f"mutant {why}: did not run to the end")
            continue
        out = output_text(r.stdout)
        if out in seen:
            dropped.append(f"mutant {why}: its output equals the key or another option")
            continue
        if len(out) > 80:
            dropped.append(f"mutant {why}: output too long for an option")
            continue
        seen.add(out)
        picked.append((out, f"That is what the program would give {why}."))
    return picked, dropped


def book_call(code: str, text: str) -> str:
    """A call of the listing's (last top-level) function: one the section text writes out
    ("as in area(3, 4)"), else one with small integer arguments ("" when there is no
    function, or it takes other than plain positional parameters)."""
    import ast
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return ""
    funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    if not funcs:
        return ""
    f = funcs[-1]
    a = f.args
    if a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs or a.defaults:
        return ""
    for m in re.finditer(r"\b" + re.escape(f.name) + r"\(([^()\n]{0,40})\)", flaws.prose(text)):
        try:
            call = ast.parse(m.group(0), mode="eval").body
        except SyntaxError:
            continue
        if isinstance(call, ast.Call) and len(call.args) == len(a.args) and all(
                isinstance(x, (ast.Constant, ast.List, ast.Tuple, ast.UnaryOp)) for x in call.args):
            return m.group(0)
    if len(a.args) > 3:
        return ""
    small = iter(["4", "3", "2"])
    args = []
    for p in a.args:
        n = p.arg.lower()
        if re.fullmatch(r"items|values|numbers|nums|seq|sequence|lst|data|scores|xs|elements|list\w*|\w+s", n) \
                and n not in ("is", "has", "s"):
            args.append("[5, 3, 8, 1]")
        elif n in ("target", "value", "item", "key", "needle", "wanted"):
            args.append("8")
        elif n in ("text", "word", "s", "string", "name", "line"):
            args.append('"banana"')
        else:
            args.append(next(small, "2"))
    return f"{f.name}({', '.join(args)})"


def free_input(code: str) -> tuple[str, list[int]]:
    """(name, values) for a listing that reads one variable it never assigns and compares it
    with numbers (``if temp > 30: … elif temp > 20: …``): values that fall in each gap between
    the numbers (one per branch), to run the listing with. ("", []) otherwise."""
    import ast
    import builtins
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return "", []
    stored = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))}
    stored |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    stored |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.arguments) for a in n.args}
    loaded = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    free = sorted(loaded - stored - set(dir(builtins)))
    if len(free) != 1:
        return "", []
    name = free[0]
    nums = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Compare):
            sides = [n.left, *n.comparators]
            if any(isinstance(x, ast.Name) and x.id == name for x in sides):
                nums |= {x.value for x in sides if isinstance(x, ast.Constant) and type(x.value) is int}
    if not nums:
        return "", []
    cuts = sorted(nums)
    values = [cuts[0] - 5] + [(a + b) // 2 for a, b in zip(cuts, cuts[1:]) if b - a > 1] + [cuts[-1] + 5]
    return name, list(dict.fromkeys(values))


def code_concept(view, code: str, concepts: list[str]) -> str:
    """The concept of ``concepts`` whose label's words the listing uses most ("" when none)."""
    words = set(re.findall(r"[A-Za-z_]+", code.lower()))
    best, score = (concepts[0] if concepts else ""), 0
    for c in concepts:
        lab = [w for w in re.findall(r"[a-z]+", view.label(c).lower()) if len(w) >= 3]
        sc = sum(w in words for w in lab) / max(1, len(lab))
        if sc > score:
            best, score = c, sc
    return best
