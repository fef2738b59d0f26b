"""`check`: validate a compiled knowledge base (SHACL shapes, references, parse diagnostics)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .compiler import KnowledgeBase

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"
SEVERITY_ORDER = {"info": 0, "warning": 1, "error": 2}


@dataclass
class Finding:
    """One problem found by `check`, tied to a file (and line where known)."""

    path: str | None
    severity: str
    code: str
    message: str
    line: int | None = None
    focus: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            **({"focus": self.focus} if self.focus else {}),
        }


@dataclass
class CheckReport:
    """All findings, with counts by severity and the verdict for a given threshold."""

    findings: list[Finding] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {"error": 0, "warning": 0, "info": 0}
        for f in self.findings:
            out[f.severity] = out.get(f.severity, 0) + 1
        return out

    def failed(self, fail_on: str = "error") -> bool:
        """True when any finding is at least as severe as `fail_on`."""
        limit = SEVERITY_ORDER[fail_on]
        return any(SEVERITY_ORDER.get(f.severity, 0) >= limit for f in self.findings)

    def to_dict(self, fail_on: str = "error") -> dict[str, Any]:
        return {"ok": not self.failed(fail_on), "counts": self.counts(), "findings": [f.to_dict() for f in self.findings]}


def shapes_graph() -> Any:
    """The SHACL shapes shipped in `ontology/shapes.ttl`."""
    from rdflib import Graph

    g = Graph()
    g.parse(ONTOLOGY_DIR / "shapes.ttl", format="turtle")
    return g


def shacl_findings(kb: KnowledgeBase) -> list[Finding]:
    """Run pySHACL over the compiled graph; each result names the file of its focus node."""
    from pyshacl import validate
    from rdflib import Namespace
    from rdflib.namespace import RDF

    sh = Namespace("http://www.w3.org/ns/shacl#")
    cg = Namespace("https://codex-graph.dev/ontology#")
    data = kb.rdf
    _conforms, report, _text = validate(data, shacl_graph=shapes_graph(), inference="none", advanced=False, allow_warnings=True)
    out: list[Finding] = []
    for result in report.subjects(RDF.type, sh.ValidationResult):
        focus = report.value(result, sh.focusNode)
        severity = report.value(result, sh.resultSeverity)
        message = report.value(result, sh.resultMessage)
        path_pred = report.value(result, sh.resultPath)
        value = report.value(result, sh.value)
        src = data.value(focus, cg.sourcePath)
        sev = {"Violation": "error", "Warning": "warning"}.get(str(severity).rsplit("#", 1)[-1], "info")
        text = str(message) if message else "shape violated"
        if value is not None:
            text += f" (found {str(value)[:80]!r})"
        pred = str(path_pred).rsplit("/", 1)[-1].rsplit("#", 1)[-1] if path_pred is not None else None
        out.append(Finding(str(src) if src else None, sev, f"shacl:{pred}" if pred else "shacl", text, focus=str(focus)))
    out.sort(key=lambda f: (f.path or "", f.code, f.message))
    return out


def check(kb: KnowledgeBase, *, shacl: bool = True) -> CheckReport:
    """Every diagnostic of the compile, plus SHACL results, as one report."""
    report = CheckReport()
    for d in kb.model.diagnostics:
        report.findings.append(Finding(d.path, d.severity, d.code, d.message, d.line))
    if shacl:
        report.findings.extend(shacl_findings(kb))
    return report
