"""The packages are layered ``ontology <- kg <- gnn <- generation <- studio``: a module imports
(at module level or inside a function) only from its own package and the ones below it, so
nothing in ``studio/`` is needed by the domain packages, and the tests of those packages
need no Streamlit: outside ``tests/studio/`` a test imports from ``studio`` only what loads
without Streamlit (the CLI and the server; ``tests/studio/test_without_streamlit.py``
checks that they do). Import circles inside a package: ``tests/test_import_cycles.py``."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("ontology", "kg", "gnn", "generation", "studio")
#: the studio's Streamlit side: the page support and the app (everything else loads without it)
STREAMLIT_SIDE = {"studio.app_content", "studio.app_data", "studio.app_state", "studio.app_ui",
                  "studio.streamlit_app", "studio.app_pages"}


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every absolute import in ``path``, at any depth; for
    ``from pkg import name`` both ``pkg`` and ``pkg.name`` (a submodule or a symbol)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module))
            out += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return out


def upward_imports(root: Path = ROOT) -> list[str]:
    bad = []
    for rank, pkg in enumerate(LAYERS):
        for p in sorted((root / pkg).rglob("*.py")):
            for line, mod in imported(p):
                top = mod.split(".")[0]
                if top in LAYERS and LAYERS.index(top) > rank:
                    bad.append(f"{p.relative_to(root)}:{line} imports {mod}")
    return bad


def streamlit_side_in_tests(root: Path = ROOT) -> list[str]:
    bad = []
    for p in sorted((root / "tests").rglob("*.py")):
        if p.is_relative_to(root / "tests" / "studio"):
            continue
        for line, mod in imported(p):
            if any(mod == s or mod.startswith(s + ".") for s in STREAMLIT_SIDE):
                bad.append(f"{p.relative_to(root)}:{line} imports {mod}")
    return bad


def test_the_checks_see_a_violation(tmp_path):
    for pkg in LAYERS:
        (tmp_path / pkg).mkdir()
    (tmp_path / "kg" / "x.py").write_text("def f():\n    from studio.cli import cli\n")
    (tmp_path / "generation" / "y.py").write_text("import kg.labels\nfrom gnn import status\n")
    (tmp_path / "tests" / "kg").mkdir(parents=True)
    (tmp_path / "tests" / "kg" / "test_z.py").write_text("from studio import app_state\nfrom studio.cli import cli\n")
    (tmp_path / "tests" / "studio").mkdir()
    (tmp_path / "tests" / "studio" / "test_page.py").write_text("from studio.app_data import scopes\n")
    assert upward_imports(tmp_path) == ["kg/x.py:2 imports studio.cli", "kg/x.py:2 imports studio.cli.cli"]
    assert streamlit_side_in_tests(tmp_path) == ["tests/kg/test_z.py:1 imports studio.app_state"]


def test_no_package_imports_a_layer_above_it():
    bad = upward_imports()
    assert not bad, "imports against the layering ontology <- kg <- gnn <- generation <- studio:\n" + "\n".join(bad)


def test_tests_outside_the_studio_need_none_of_its_streamlit_side():
    bad = streamlit_side_in_tests()
    assert not bad, "tests outside tests/studio importing the studio's Streamlit side:\n" + "\n".join(bad)
