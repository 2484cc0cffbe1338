"""kg.sparql_guard: the linear pre-parse scanner that keeps stack-overflowing, oversized
and endpoint-reaching SPARQL away from pyoxigraph (issue 18)."""
from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kg.sparql_guard import Limits, QueryRefused, check, normalise, scan

ROOT = Path(__file__).resolve().parents[2]

# The crash reproducers of issue 18, each far past a limit.
BOMBS = {
    "groups": "SELECT * WHERE " + "{" * 2500 + " ?s ?p ?o " + "}" * 2500,
    "filter_parens": "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 4796 + "?o" + ")" * 4796 + ") }",
    "plus_chain": "SELECT * WHERE { BIND(" + "+".join(["1"] * 6906) + " AS ?x) }",
    "nested_optional": "SELECT * WHERE { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o " * 2616 + "}" * 2616 + " }",
    "sequential_optional": "SELECT * WHERE { ?s ?p ?o " + " OPTIONAL { ?s ?p ?o }" * 2616 + " }",
    "path_parens": "SELECT * WHERE { ?s " + "(" * 100_000 + "<http://p>" + ")" * 100_000 + " ?o }",
    "exists": "SELECT * WHERE { ?s ?p ?o " + "FILTER EXISTS { " * 1024 + "}" * 1024 + " }",
    "union_chain": "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 3000) + " }",
    "not_chain": "ASK { FILTER(" + "!" * 5000 + "true) }",
    "path_seq": "SELECT * WHERE { ?s " + "/".join(["<http://p>"] * 5000) + " ?o }",
    "bnodes": "SELECT * WHERE { ?s ?p " + "[ <http://p> " * 3000 + "?o" + " ]" * 3000 + " }",
    "triple_terms": "SELECT * WHERE { ?s ?p " + "<<( ?s ?p " * 3000 + "?o" + " )>>" * 3000 + " }",
    "update_groups": "INSERT { ?s ?p ?o } WHERE " + "{" * 3000 + "}" * 3000,
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_bombs_are_refused_with_a_reason(name):
    with pytest.raises(QueryRefused) as err:
        check(BOMBS[name])
    msg = str(err.value)
    assert ("brackets deep" in msg and "serve.max_depth" in msg) or \
           ("operators or group elements" in msg and "serve.max_chain" in msg), msg
    assert err.value.line == 1 and err.value.column > 10


def test_depth_counts_every_bracket_kind_and_reports_where():
    assert scan("SELECT * WHERE { ?s ?p ?o FILTER((?o)) }").depth == 3
    assert scan("SELECT * WHERE { ?s ?p [ <http://p> ( 1 2 ) ] }").depth == 3
    assert scan("SELECT * WHERE { ?s ?p << ?a ?b ?c >> }").depth == 2
    text = "SELECT * WHERE\n" + "{" * 10
    with pytest.raises(QueryRefused) as err:
        check(text, Limits(max_depth=5))
    assert (err.value.line, err.value.column) == (2, 6)
    assert check("ASK " + "{" * 64 + "}" * 64).depth == 64


def test_brackets_in_strings_iris_and_comments_do_not_count():
    q = ('SELECT * WHERE { ?s ?p "{{{((((" . ?s ?p \'[[[\' . ?s ?p """ a "" {{{{ """ .\n'
         "# {{{{{{{{{{{{{{{{{{\n ?s ?p '''(((('''. ?s <http://x/#a> ?o FILTER(?o = \"\\\"{{\") }")
    s = check(q, Limits(max_depth=2))
    assert s.depth == 2 and s.form == "SELECT"


def test_less_than_is_an_operator_not_an_iri():
    # '<?b && ?c>' holds spaces, so it is two operators, not an IRI (the IRIREF production)
    s = scan("SELECT * WHERE { ?s ?p ?a FILTER(?a <?b && ?c> ?d) }")
    assert s.chain == 1 + 1 + 1 + 3  # SELECT *, the group, its FILTER, then <, &&, >
    assert scan("SELECT * WHERE { <http://a{> ?p ?o }").depth == 2  # '{' cannot be in an IRI


def test_chains_reset_at_separators_and_values_are_flat():
    data = " ".join(f'<http://s{i}> <http://p> "-{i}"^^<http://www.w3.org/2001/XMLSchema#integer> .'
                    for i in range(2000))
    assert check("INSERT DATA { GRAPH <http://g> { " + data + " } }").chain <= 2
    values = " ".join(f'("{i}"^^<http://dt> {i})' for i in range(5000))
    assert check(f"SELECT * WHERE {{ VALUES (?a ?b) {{ {values} }} }}").depth == 3
    assert check("SELECT * WHERE { FILTER(?x IN (" + ", ".join(map(str, range(5000))) + ")) }")


def test_chain_sums_along_the_open_brackets():
    inner = "+".join(["1"] * 300)
    with pytest.raises(QueryRefused, match="operators"):
        check(f"SELECT * WHERE {{ BIND({inner} + ({inner}) AS ?x) }}")
    assert check(f"SELECT * WHERE {{ BIND({inner} AS ?x) BIND({inner} AS ?y) }}").chain < 512


def test_size_limit():
    with pytest.raises(QueryRefused, match="1,000 .*serve.max_query_bytes"):
        check("ASK { FILTER(\"" + "é" * 600 + "\") }", Limits(max_bytes=1000))
    assert check("ASK {}", Limits(max_bytes=6)).form == "ASK"


def test_unterminated_string_is_refused():
    with pytest.raises(QueryRefused, match="unterminated string at line 2"):
        check('ASK {\n FILTER("abc) }')


@pytest.mark.parametrize("query,target", [
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }", "http://127.0.0.1:9/x"),
    ("SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/x> { ?s ?p ?o } }", "http://127.0.0.1:9/x"),
    ("PREFIX e: <http://127.0.0.1:9/> SELECT * WHERE { SERVICE e:x { ?s ?p ?o } }", "http://127.0.0.1:9/x"),
    ("BASE <http://127.0.0.1:9/> SELECT * WHERE { SERVICE <x> { ?s ?p ?o } }", "http://127.0.0.1:9/x"),
    ("SELECT * WHERE { ?s ?p ?e SERVICE ?e { ?s ?p ?o } }", "?e"),
    ("select * where { service<http://127.0.0.1:9/x>{?s ?p ?o} }", "http://127.0.0.1:9/x"),
    ("LOAD <http://127.0.0.1:9/data.ttl>", "http://127.0.0.1:9/data.ttl"),
    ("LOAD SILENT <http://127.0.0.1:9/d> INTO GRAPH <http://g>", "http://127.0.0.1:9/d"),
])
def test_service_and_load_need_the_allow_list(query, target):
    with pytest.raises(QueryRefused, match="serve.allowed_endpoints") as err:
        check(query)
    assert target in str(err.value)
    if not target.startswith("?"):
        assert check(query, Limits(allowed_endpoints=(target,)))
    else:  # a variable endpoint can never be checked
        with pytest.raises(QueryRefused):
            check(query, Limits(allowed_endpoints=("http://127.0.0.1:9/x",)))


def test_service_in_strings_comments_or_names_is_not_a_service():
    q = ('PREFIX ex: <http://e/> SELECT ?service WHERE { ?s ex:SERVICE "SERVICE <http://x>" '
         "# SERVICE <http://y>\n }")
    assert check(q).services == []


@pytest.mark.parametrize("query,expected", [
    ("SELECT * FROM <http://g> WHERE { ?s ?p ?o }", True),
    ("SELECT * FROM<http://g> WHERE { ?s ?p ?o }", True),        # issue 18, item 5
    ("SELECT * FROM NAMED<http://g> { GRAPH ?g { ?s ?p ?o } }", True),
    ("PREFIX g: <http://g/> SELECT * FROM g:1 { ?s ?p ?o }", True),
    ("select * from <http://g> { ?s ?p ?o }", True),
    ("SELECT ?from WHERE { ?s <http://x#from> 'FROM <a>' } # FROM <b>", False),
    ("SELECT * WHERE { ?s ?p ?o }", False),
    ("ASK { ?from ?p ?o }", False),
])
def test_dataset_clause(query, expected):
    assert scan(query).has_dataset is expected


@pytest.mark.parametrize("query,form", [
    ("PREFIX a: <http://a/> BASE <http://b/> ask {}", "ASK"),
    ("# comment\nCONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ("DESCRIBE <http://x>", "DESCRIBE"),
    ("PREFIX select: <http://x/> INSERT DATA { <a:b> <c:d> 1 }", "UPDATE"),
    ("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "UPDATE"),
])
def test_form(query, form):
    assert scan(query).form == form


def test_scanner_is_linear():
    # 1 MB of text of each troublesome kind is measured in seconds, not minutes
    texts = ["SELECT * WHERE { " + '?s ?p "' + "{(" * 250_000 + '" }',
             "SELECT * WHERE { " + "?s ?p ?o . " * 90_000 + "}",
             "ASK { FILTER(" + "1+" * 500_000 + "1) }",
             "# " + "{" * 1_000_000]
    for text in texts:
        t0 = time.perf_counter()
        try:
            check(text, Limits(max_chain=None))
        except QueryRefused:
            pass
        assert time.perf_counter() - t0 < 6.0  # about 2 s on a busy 2-core machine


def test_fuzz_random_text_never_raises_anything_but_refusal():
    rng = random.Random(18)
    alphabet = ["{", "}", "(", ")", "[", "]", "<", ">", "<<", ">>", '"', "'", "#", "\n", " ", "?x",
                "ex:p", "SERVICE", "FROM", "+", "!", "|", "/", "^^", ".", ";", "<http://a>", "\\", "@en"]
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 400)))
        try:
            check(text)
        except QueryRefused:
            pass


_RUNNER = """
import sys, pyoxigraph as ox
from kg.sparql_guard import check, QueryRefused
store = ox.Store()
store.add(ox.Quad(ox.NamedNode("http://s"), ox.NamedNode("http://p"), ox.Literal("1")))
accepted = refused = 0
for q in sys.stdin.read().split("\\x00"):
    try:
        check(q)
    except QueryRefused:
        refused += 1
        continue
    accepted += 1
    try:
        r = store.query(q)
        if not isinstance(r, ox.QueryBoolean):
            list(r)
    except (SyntaxError, OSError, ValueError, RuntimeError):
        pass
print(accepted, refused)
"""


def test_fuzz_accepted_queries_never_crash_the_parser():
    """Random deep and long queries (bounded: about 200 of them, a few seconds): whatever
    the guard lets through, pyoxigraph parses and runs without killing the process."""
    rng = random.Random(1818)
    makers = [
        lambda n: "SELECT * WHERE " + "{" * n + " ?s ?p ?o " + "}" * n,
        lambda n: "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * n + "?o" + ")" * n + ") }",
        lambda n: "SELECT * WHERE { BIND(" + "+".join(["1"] * n) + " AS ?x) }",
        lambda n: "SELECT * WHERE { ?s ?p ?o " + "FILTER EXISTS { " * n + "}" * n + " }",
        lambda n: "SELECT * WHERE { " + " ".join(f"BIND(1 AS ?x{i})" for i in range(n)) + " }",
        lambda n: "ASK { FILTER(" + "!" * n + "true) }",
        lambda n: "SELECT * WHERE { ?s " + "(" * n + "<http://p>" + ")" * n + " ?o }",
        lambda n: "SELECT * WHERE " + "{ SELECT * WHERE " * n + "{ ?s ?p ?o }" + "}" * n,
    ]
    queries = []
    for _ in range(200):
        n = rng.choice([rng.randint(1, 80), rng.randint(400, 520), rng.randint(2000, 8000)])
        queries.append(rng.choice(makers)(n))
    proc = subprocess.run([sys.executable, "-c", _RUNNER], input="\x00".join(queries), text=True,
                          capture_output=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    accepted, refused = map(int, proc.stdout.split())
    assert accepted > 30 and refused > 30 and accepted + refused == 200


# ---- the store APIs apply the guard (the studio's SPARQL page and `kgstudio sparql` use them) ----
def test_embedded_store_refuses_bombs_and_service_before_parsing(mem_store):
    from kg.sparql_guard import DEFAULT_LIMITS
    with pytest.raises(QueryRefused, match="serve.max_depth"):
        mem_store.query(BOMBS["groups"])
    with pytest.raises(QueryRefused, match="serve.max_chain"):
        mem_store.query(BOMBS["plus_chain"])
    with pytest.raises(QueryRefused, match="SERVICE <http://127.0.0.1:9/x> is not allowed"):
        mem_store.query("SELECT * WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }")
    with pytest.raises(QueryRefused, match="LOAD"):
        mem_store.update("LOAD <http://127.0.0.1:9/data.ttl>")
    with pytest.raises(QueryRefused, match="serve.max_depth"):
        mem_store.update(BOMBS["update_groups"])
    assert mem_store.ask("ASK {}") is True
    # a store can be given other limits (the SPARQL page uses the workspace's settings)
    mem_store.guard_limits = Limits(max_depth=3)
    with pytest.raises(QueryRefused, match="limit is 3"):
        mem_store.query("ASK { { { { } } } }")
    mem_store.guard_limits = DEFAULT_LIMITS


def test_from_without_a_space_on_the_store(mem_store):
    mem_store.add_to_graph("http://g1", "<http://a> <http://p> <http://b> .\n")
    mem_store.add_to_graph("http://g2", "<http://a> <http://p> <http://c> .\n<http://a> <http://p> <http://d> .\n")
    n = "SELECT (COUNT(*) AS ?n) {} WHERE {{ ?s ?p ?o }}"
    assert int(mem_store.select(n.format("FROM<http://g1>"))[0]["n"]) == 1
    assert int(mem_store.select(n.format(""))[0]["n"]) == 3


def test_remote_store_refuses_before_sending():
    from kg.store.remote import RemoteStore
    store = RemoteStore("http://127.0.0.1:9/sparql")   # nothing listens: a request would fail otherwise
    with pytest.raises(QueryRefused, match="serve.max_depth"):
        store.query(BOMBS["groups"])
    with pytest.raises(QueryRefused, match="SERVICE"):
        store.query("SELECT * WHERE { SERVICE <http://10.0.0.1/x> { ?s ?p ?o } }")
    with pytest.raises(QueryRefused, match="LOAD"):
        store.update("LOAD <http://10.0.0.1/x>")


@pytest.mark.parametrize("text,expected", [
    ("SELECT  *\nWHERE{?s ?p ?o}", "SELECT * WHERE { ?s ?p ?o }"),
    ("ASK { <http://x#a> ?p 'b#c' } # end", "ASK { <http://x#a> ?p 'b#c' }"),
    ("ASK {} # a\n# b\n\t", "ASK { }"),
    ("ASK { ?s ?p \"\"\"two\n  lines\"\"\" } #x\r?z", 'ASK { ?s ?p """two\n  lines""" } ?z'),
    ("  # only a comment", ""),
])
def test_normalise_drops_layout_and_comments_only(text, expected):
    assert normalise(text) == expected


def test_normalise_tells_apart_what_differs_inside_strings_and_case():
    assert normalise("ASK { ?s ?p 'a b' }") != normalise("ASK { ?s ?p 'a  b' }")
    assert normalise("ASK { ?s ?p ?o }") != normalise("ASK { ?S ?p ?o }")
    assert normalise("ASK { ?s ?p ?o } # x") == normalise("ASK {?s ?p ?o}")
