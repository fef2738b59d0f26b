"""Small HTML pages served without any external asset: the SPARQL query page."""

from __future__ import annotations

import html

EXAMPLES: list[tuple[str, str]] = [
    ("Claims with the most extracting sources", """PREFIX cg: <https://codex-graph.dev/ontology#>
SELECT ?claim (COUNT(?source) AS ?sources) WHERE {
  ?source cg:extractedClaim|cg:enrichedClaim ?claim .
} GROUP BY ?claim ORDER BY DESC(?sources) LIMIT 10"""),
    ("Most liked tweets with their source", """PREFIX cg: <https://codex-graph.dev/ontology#>
PREFIX sioc: <http://rdfs.org/sioc/ns#>
SELECT ?tweet ?likes ?text ?source WHERE {
  ?source cg:hasTweet ?tweet . ?tweet cg:likes ?likes ; sioc:content ?text .
} ORDER BY DESC(?likes) LIMIT 10"""),
    ("Broken references (claims never written)", """PREFIX cg: <https://codex-graph.dev/ontology#>
SELECT ?raw (COUNT(?ref) AS ?mentions) WHERE {
  ?ref a cg:Reference ; cg:target ?t ; cg:rawText ?raw . ?t a cg:UnresolvedReference .
} GROUP BY ?raw ORDER BY DESC(?mentions) LIMIT 20"""),
]


def sparql_page() -> str:
    """The query page: a form, example queries and a results table drawn by a few lines of JS."""
    options = "\n".join(
        f'<option value="{html.escape(q)}">{html.escape(name)}</option>' for name, q in EXAMPLES)
    first = html.escape(EXAMPLES[0][1])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>codex-graph SPARQL</title>
<style>body{{font:14px system-ui,sans-serif;margin:2em;max-width:70em}}textarea{{width:100%;height:12em;font:13px monospace}}
table{{border-collapse:collapse;margin-top:1em}}td,th{{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}}
#status{{color:#666}}</style></head>
<body><h1>codex-graph SPARQL</h1>
<p>Read-only SPARQL 1.1 endpoint. <a href="/docs">JSON API</a> · <a href="/explore">Explorer</a></p>
<label>Examples: <select id="examples">{options}</select></label>
<form id="f" method="get" action="/sparql"><textarea name="query" id="query">{first}</textarea>
<p><button type="submit">Run</button> <span id="status"></span></p></form>
<div id="out"></div>
<script>
const ex=document.getElementById('examples'), qa=document.getElementById('query');
ex.onchange=()=>{{qa.value=ex.value}};
document.getElementById('f').onsubmit=async(e)=>{{e.preventDefault();
  const st=document.getElementById('status'), out=document.getElementById('out'); st.textContent='running…'; out.textContent='';
  const r=await fetch('/sparql?query='+encodeURIComponent(qa.value),{{headers:{{Accept:'application/sparql-results+json,text/turtle;q=0.9'}}}});
  const ct=r.headers.get('content-type')||''; const body=await r.text();
  if(!r.ok){{st.textContent='error '+r.status; out.textContent=body; return;}}
  if(!ct.includes('json')){{st.textContent='ok'; const pre=document.createElement('pre'); pre.textContent=body; out.appendChild(pre); return;}}
  const j=JSON.parse(body); if('boolean' in j){{st.textContent='ok'; out.textContent=String(j.boolean); return;}}
  const t=document.createElement('table'), h=t.insertRow(); j.head.vars.forEach(v=>{{const th=document.createElement('th'); th.textContent=v; h.appendChild(th)}});
  j.results.bindings.forEach(b=>{{const tr=t.insertRow(); j.head.vars.forEach(v=>{{tr.insertCell().textContent=b[v]?b[v].value:''}})}});
  st.textContent=j.results.bindings.length+' rows'+(j.truncated?' (truncated)':''); out.appendChild(t);}};
</script></body></html>"""
