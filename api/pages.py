"""Small HTML pages served without any external asset: the SPARQL query page."""

from __future__ import annotations

import html
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"

EXAMPLES: list[tuple[str, str]] = [
    (
        "Claims with the most extracting sources",
        """PREFIX cg: <https://codex-graph.dev/ontology#>
SELECT ?claim (COUNT(?source) AS ?sources) WHERE {
  ?source cg:extractedClaim|cg:enrichedClaim ?claim .
} GROUP BY ?claim ORDER BY DESC(?sources) LIMIT 10""",
    ),
    (
        "Most liked tweets with their source",
        """PREFIX cg: <https://codex-graph.dev/ontology#>
PREFIX sioc: <http://rdfs.org/sioc/ns#>
SELECT ?tweet ?likes ?text ?source WHERE {
  ?source cg:hasTweet ?tweet . ?tweet cg:likes ?likes ; sioc:content ?text .
} ORDER BY DESC(?likes) LIMIT 10""",
    ),
    (
        "Broken references (claims never written)",
        """PREFIX cg: <https://codex-graph.dev/ontology#>
SELECT ?raw (COUNT(?ref) AS ?mentions) WHERE {
  ?ref a cg:Reference ; cg:target ?t ; cg:rawText ?raw . ?t a cg:UnresolvedReference .
} GROUP BY ?raw ORDER BY DESC(?mentions) LIMIT 20""",
    ),
]


def sparql_page() -> str:
    """The query page: a form, example queries and a results table drawn by a few lines of JS."""
    options = "\n".join(f'<option value="{html.escape(q)}">{html.escape(name)}</option>' for name, q in EXAMPLES)
    first = html.escape(EXAMPLES[0][1])
    template = (STATIC / "sparql.html").read_text(encoding="utf-8")
    return template.replace("@@OPTIONS@@", options).replace("@@FIRST@@", first)
