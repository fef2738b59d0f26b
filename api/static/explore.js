// codex-graph explorer: draws /graph elements with cytoscape.js and explains nodes with the JSON API.
(function () {
  "use strict";
  const CLASSES = ["Claim", "Source", "Tweet", "Person", "Organization", "Domain", "Entity", "Tag", "LinkedSet", "Agent",
    "Belief", "Position", "Conviction", "TopicMap", "Document", "UnresolvedReference"];
  const DEFAULT_ON = new Set(["Claim", "Source", "Tweet", "Person", "Organization", "Domain", "Entity", "LinkedSet", "Agent",
    "Belief", "Position", "Conviction", "TopicMap"]);
  const $ = (id) => document.getElementById(id);
  const status = (text) => { $("status").textContent = text; };
  const enc = encodeURIComponent;
  let cy = null;

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "onclick") e.addEventListener("click", v); else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }

  async function getJSON(url) {
    const r = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await r.json();
    if (!r.ok) throw new Error(body.error ? body.error.message : r.statusText);
    return body;
  }

  function selectedClasses() {
    return [...document.querySelectorAll("#classes input:checked")].map((i) => i.value);
  }

  async function load(params) {
    status("laying out…");
    const q = new URLSearchParams();
    if (params.around) { q.set("around", params.around); q.set("depth", params.depth || 1); }
    else { for (const c of selectedClasses()) q.append("class", c); }
    const domain = $("domain").value;
    if (domain && !params.around) q.append("domain", domain);
    const data = await getJSON("/graph?" + q.toString());
    draw(data.elements);
    status(`${data.counts.nodes} nodes, ${data.counts.edges} edges` + (data.truncated ? " (truncated)" : ""));
    if (params.around) focus(params.aroundId || null);
  }

  function draw(elements) {
    if (cy) cy.destroy();
    cy = cytoscape({
      container: $("cy"),
      elements: elements,
      layout: { name: "preset" },
      textureOnViewport: true,
      hideEdgesOnViewport: elements.nodes.length > 1500,
      minZoom: 0.02,
      maxZoom: 4,
      style: [
        { selector: "node", style: { "background-color": "data(color)", width: 10, height: 10, "border-width": 0.5,
          "border-color": "#555", label: "data(label)", "font-size": 7, "min-zoomed-font-size": 9, "text-valign": "bottom",
          "text-max-width": 120, "text-wrap": "ellipsis" } },
        { selector: "node[cls = 'Domain']", style: { width: 28, height: 28, "font-size": 14, "min-zoomed-font-size": 2 } },
        { selector: "node[cls = 'Source']", style: { shape: "round-rectangle", width: 12, height: 12 } },
        { selector: "node[cls = 'Tweet']", style: { shape: "diamond", width: 8, height: 8 } },
        { selector: "node[cls = 'UnresolvedReference']", style: { "border-style": "dashed", "border-width": 1 } },
        { selector: "edge", style: { width: 0.4, "line-color": "#ccc", "curve-style": "haystack", opacity: 0.7 } },
        { selector: "node:selected", style: { "border-width": 3, "border-color": "#d62728", "z-index": 10 } },
        { selector: "edge:selected", style: { "line-color": "#d62728", width: 1.5 } },
      ],
    });
    window.codexCy = cy;
    cy.on("tap", "node", (evt) => show(evt.target.id()));
  }

  function focus(id) {
    if (!cy || !id) return;
    const n = cy.getElementById(id);
    if (n.nonempty()) {
      cy.elements().unselect();
      n.select();
      cy.animate({ center: { eles: n }, zoom: Math.max(cy.zoom(), 1.2) }, { duration: 300 });
    }
  }

  function nodeLink(id, label) {
    return el("span", { class: "link", onclick: () => openNode(id) }, label);
  }

  async function openNode(id) {
    if (cy && cy.getElementById(id).nonempty()) focus(id);
    else await load({ around: id, depth: 1, aroundId: id });
    await show(id);
  }

  function fieldsTable(fields) {
    const t = el("table");
    for (const [k, v] of Object.entries(fields || {})) {
      if (v === null || v === "" || (Array.isArray(v) && v.length === 0)) continue;
      t.append(el("tr", {}, el("td", {}, k), el("td", {}, typeof v === "object" ? JSON.stringify(v) : String(v))));
    }
    return t;
  }

  async function show(id) {
    const panel = $("panel");
    panel.replaceChildren(el("p", { class: "hint" }, "loading…"));
    let node;
    try { node = await getJSON("/nodes/" + enc(id)); }
    catch (e) { panel.replaceChildren(el("p", {}, "error: " + e.message)); return; }
    focus(id);
    const parts = [el("h2", {}, node.label), el("p", {}, el("span", { class: "pill" }, node.class),
      node.path ? `${node.path}${node.line ? ":" + node.line : ""}` : "")];
    if (node.fields) parts.push(el("h3", {}, "Fields"), fieldsTable(node.fields));
    if (node.properties) parts.push(el("h3", {}, "Properties"), fieldsTable(node.properties));
    panel.replaceChildren(...parts);
    if (node.class === "Claim") {
      const [sources, related] = await Promise.all([
        getJSON("/claims/" + enc(id) + "/sources"), getJSON("/claims/" + enc(id) + "/related?limit=10")]);
      const sl = el("ol", { id: "sources" });
      for (const s of sources.sources) {
        const why = s.why.map((w) => w.why).filter((w, i, a) => a.indexOf(w) === i).join(", ");
        const li = el("li", {}, nodeLink(s.id, s.label), el("div", { class: "why" },
          `${why} · ${(s.authors || []).map((a) => a.name).join(", ")} · ${s.date || ""} · ${s.format || ""}`));
        for (const t of s.tweets || []) li.append(el("div", { class: "why" }, `↳ ${t.likes ?? ""} ♥ “${(t.text || "").slice(0, 140)}”`));
        sl.append(li);
      }
      const rl = el("ol", { id: "related" });
      for (const r of related.related) rl.append(el("li", {}, nodeLink(r.id, r.label), el("div", { class: "why" },
        `${r.score} · ${r.kinds.join(", ")}`)));
      panel.append(el("h3", {}, `Supporting sources (${sources.count})`), sl, el("h3", {}, `Related claims (${related.count})`), rl);
    } else {
      const groups = Object.entries(Object.assign({}, node.out || {}, node.in || {}));
      if (groups.length) panel.append(el("h3", {}, "Neighbours"));
      for (const [kind, g] of Object.entries(node.out || {})) {
        panel.append(el("div", {}, el("b", {}, `${kind} → (${g.count})`)));
        const ul = el("ul"); for (const i of g.items.slice(0, 15)) ul.append(el("li", {}, nodeLink(i.id, i.label))); panel.append(ul);
      }
      for (const [kind, g] of Object.entries(node.in || {})) {
        panel.append(el("div", {}, el("b", {}, `← ${kind} (${g.count})`)));
        const ul = el("ul"); for (const i of g.items.slice(0, 15)) ul.append(el("li", {}, nodeLink(i.id, i.label))); panel.append(ul);
      }
    }
    panel.append(el("p", {}, el("button", { type: "button", onclick: () => load({ around: id, depth: 1, aroundId: id }) },
      "Show neighbourhood")));
  }

  async function search(q) {
    const panel = $("panel");
    const res = await getJSON("/search?q=" + enc(q) + "&limit=20");
    const ol = el("ol", { id: "results" });
    for (const r of res.results) ol.append(el("li", {}, nodeLink(r.id, r.label), " ", el("span", { class: "pill" }, r.class),
      el("div", { class: "why" }, r.snippet || "")));
    panel.replaceChildren(el("h2", {}, `Search: ${q}`), el("p", { class: "hint" }, `${res.count} results (${res.match} words)`), ol);
  }

  async function init() {
    if (typeof cytoscape === "undefined") {
      status("cytoscape.js is missing: run `make assets` (the build installs it from npm)");
      return;
    }
    for (const c of CLASSES) {
      const box = el("input", { type: "checkbox", value: c });
      box.checked = DEFAULT_ON.has(c);
      box.addEventListener("change", () => load({}));
      $("classes").append(el("label", {}, box, c));
    }
    const stats = await getJSON("/stats");
    const domains = await getJSON("/graph?class=Domain");
    for (const n of domains.elements.nodes.map((x) => x.data.label).sort()) $("domain").append(el("option", { value: n }, n));
    $("domain").addEventListener("change", () => load({}));
    $("reset").addEventListener("click", () => load({}));
    $("search-form").addEventListener("submit", (e) => { e.preventDefault(); const q = $("search").value.trim(); if (q) search(q); });
    await load({});
    status($("status").textContent + ` · ${stats.files_seen} files`);
  }

  init().catch((e) => status("error: " + e.message));
})();
