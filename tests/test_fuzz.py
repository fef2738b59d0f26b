"""Property tests: the frontmatter and link parsers never raise and keep what they can."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from graph import frontmatter
from graph.links import clean_reference, split_link, wiki_links

yamlish = st.text(alphabet=st.sampled_from(list("abc:-[]{}&*!|>'\"#\n \t0123456789%@`,?")), max_size=200)


@settings(max_examples=300, deadline=None)
@given(fm=yamlish, body=st.text(max_size=200))
def test_frontmatter_parse_never_raises(fm, body):
    parsed = frontmatter.parse(f"---\n{fm}\n---\n{body}")
    assert isinstance(parsed.fields, dict)
    for _severity, _code, message, _line in parsed.problems:
        assert message


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_parses(text):
    parsed = frontmatter.parse(text)
    assert isinstance(parsed.fields, dict)
    assert parsed.body_line >= 1


@settings(max_examples=300, deadline=None)
@given(
    target=st.text(alphabet=st.characters(blacklist_characters="[]|#\n\\"), min_size=1, max_size=40).filter(str.strip),
    heading=st.none()
    | st.text(alphabet=st.characters(blacklist_characters="[]|#\n\\"), min_size=1, max_size=20).filter(str.strip),
    alias=st.none() | st.text(alphabet=st.characters(blacklist_characters="[]|\n\\"), min_size=1, max_size=20).filter(str.strip),
)
def test_wiki_link_round_trip(target, heading, alias):
    inner = target + (f"#{heading}" if heading else "") + (f"|{alias}" if alias else "")
    links = list(wiki_links(f"before [[{inner}]] after", 7))
    assert len(links) == 1
    link = links[0]
    assert link.line == 7
    assert (link.target, link.heading, link.alias) == (
        target.strip(),
        heading.strip() if heading else None,
        alias.strip() if alias else None,
    )
    assert split_link(inner)[0] == target.strip()
    assert clean_reference(f"[[{inner}]]") == clean_reference(target)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_wiki_links_never_raise(text):
    for link in wiki_links(text):
        assert "\n" not in link.raw and link.line >= 1


# SPARQL fragments, risky words included, in every place a lexer could be fooled: in IRIs,
# strings, prefixed names, variables, comments and codepoint escapes
_SPARQL_PARTS = [
    "SELECT",
    "ASK",
    "CONSTRUCT",
    "DESCRIBE",
    "WHERE",
    "*",
    "?s",
    "?p",
    "?o",
    "$x",
    "{",
    "}",
    ".",
    ";",
    ",",
    "SERVICE",
    "service",
    "SeRvIcE",
    "SILENT",
    "FROM",
    "from",
    "NAMED",
    "INSERT",
    "DATA",
    "DELETE",
    "LOAD",
    "WITH",
    "<http://127.0.0.1:9/>",
    "<http://x/from-here>",
    "<http://x/SERVICE>",
    '"SERVICE"',
    "'from'",
    '"""a\nSERVICE"""',
    "ex:service",
    "service:x",
    "?service",
    "# SERVICE\n",
    "\\u0053ERVICE",
    "\\u0046ROM",
    "\\U00000053ERVICE",
    "PREFIX ex: <http://x/>",
    "OPTIONAL",
    "FILTER",
    "(",
    ")",
    "?o < 3",
    "a",
    "LIMIT 3",
    "UNION",
    "GRAPH",
    "BIND",
    "\n",
    " ",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_SPARQL_PARTS), max_size=14))
def test_the_quick_sparql_check_never_passes_what_the_full_one_refuses(parts):
    """A query the token check lets through is one rdflib either refuses to parse (the engine
    will too) or accepts without refusal: never a SERVICE, FROM or an update."""
    from graph import query as q
    from graph.errors import QueryError

    text = " ".join(parts)
    toks = q.tokens(text)
    if toks is None or q._quick_form(toks) is None:
        return
    try:
        algebra = q.prepare(text)
    except QueryError as exc:
        assert "refused" not in str(exc) and "read-only" not in str(exc), (text, exc)
        return
    assert q.FORMS.get(algebra.algebra.name) == q._quick_form(toks)
