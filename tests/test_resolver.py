"""Reference resolution: each method on a tiny knowledge base, and no guessing."""

from __future__ import annotations

import pytest

from .conftest import claim

A = "lithium iron phosphate displaced nickel chemistries in stationary storage because cycle life matters"
B = "sodium-ion cells will take a quarter of new stationary storage by 2030 because they avoid lithium supply risk"
TWIN1 = "storage revenue stacking is fragile because ancillary service markets saturate quickly in region one"
TWIN2 = "storage revenue stacking is fragile because ancillary service markets saturate quickly in region two"
DUP = "the duck curve deepens every spring"


@pytest.fixture
def kb(make_kb):
    return make_kb(
        {
            f"domains/storage/{A}.md": claim(A),
            f"domains/storage/{B}.md": claim(B),
            f"domains/storage/{TWIN1}.md": claim(TWIN1),
            f"domains/storage/{TWIN2}.md": claim(TWIN2),
            f"domains/policy/{DUP}.md": claim(DUP, domain="policy"),
            f"core/transition/{DUP}.md": claim(DUP, domain="transition"),
            "domains/policy/_map.md": "# Policy map\n",
            "domains/storage/_map.md": "# Storage map\n",
            "entities/acme.md": "---\ntype: entity\nname: Acme Batteries\n---\n# Acme\n",
        }
    )


@pytest.mark.parametrize(
    "ref, method, target",
    [
        (A, "exact", A),
        (f"[[{A}]]", "exact", A),
        (f"[[{A}#Evidence|the LFP claim]]", "exact", A),
        (f"{A}.md", "exact", A),
        (A.replace(" ", "-") + ".md", "normalized", A),
        (A.upper(), "normalized", A),
        (A.replace(" ", "-"), "normalized", A),
        (f"{A} — strong evidence from 2025", "annotation", A),
        (f"{A} -- see appendix", "annotation", A),
        (f"domains/old-folder/{A}.md", "moved-path", A),
        ("sodium-ion-cells-will-take-a-quarter-of-new", "prefix", B),
        ("sodium-ion cells will take a quarter of new stationary storage...", "prefix", B),
        (B.replace("avoid", "avoids"), "fuzzy", B),
        ("Acme Batteries", "exact", "acme"),
    ],
)
def test_methods(kb, ref, method, target):
    res = kb.resolver.resolve(ref)
    assert res.method == method
    assert res.file is not None and res.file.rsplit("/", 1)[-1] == f"{target}.md"


def test_near_identical_claims_are_reported_not_guessed(kb):
    res = kb.resolver.resolve("storage revenue stacking is fragile because ancillary service markets saturate quickly")
    assert res.file is None and res.method == "ambiguous"
    assert len(res.candidates) == 2
    res = kb.resolver.resolve("storage revenue stacking is fragile because ancillary service markets saturate quickly in region")
    assert res.file is None and res.method == "ambiguous"


def test_never_written_claim_is_unresolved(kb):
    res = kb.resolver.resolve("grid-scale hydrogen storage will beat batteries for seasonal shifting")
    assert res.file is None and res.method == "unresolved"


def test_short_prefix_is_not_enough(kb):
    assert kb.resolver.resolve("sodium-ion").file is None


def test_duplicate_titles_use_context_or_report_ambiguity(kb):
    assert kb.resolver.resolve(DUP).method == "ambiguous"
    res = kb.resolver.resolve(DUP, from_path="domains/policy/other.md")
    assert res.file == f"domains/policy/{DUP}.md" and res.method == "exact+same-folder"
    assert sorted(res.candidates) == sorted([f"domains/policy/{DUP}.md", f"core/transition/{DUP}.md"])
    res = kb.resolver.resolve("[[_map]]", from_path="domains/storage/x.md")
    assert res.file == "domains/storage/_map.md"


def test_path_suffix_beats_basename(kb):
    res = kb.resolver.resolve("[[policy/_map]]")
    assert res.file == "domains/policy/_map.md" and res.method == "path-suffix"


def test_broken_and_ambiguous_links_become_nodes(make_kb):
    kb = make_kb(
        {
            "domains/x/a.md": claim("a", "[[missing claim]] and [[a]]"),
            "domains/x/b.md": claim("b", "[[missing claim]]"),
        }
    )
    unresolved = [n for n in kb.model.nodes.values() if n.cls == "UnresolvedReference"]
    assert [n.label for n in unresolved] == ["missing claim"]
    incoming = [e for e in kb.model.edges if e.dst == unresolved[0].key]
    assert sorted(e.src for e in incoming) == ["claim/domains/x/a", "claim/domains/x/b"]
    assert all(e.props["raw"] == "[[missing claim]]" and e.line for e in incoming)
    codes = sorted(d.code for d in kb.model.diagnostics)
    assert codes == ["broken-reference", "broken-reference"]
