"""JSON export: the whole report model as one document (schema in docs/json.md)."""

from __future__ import annotations

import json
from typing import Any

from workbench.core.text import json_safe

from .model import (
    SCHEMA,
    ControlReport,
    ControlTestingReport,
    EvidenceItem,
    FrameworkReport,
    Report,
    RequirementRow,
    fmt_date,
    fmt_time,
)
from .sox import sox_dict


def _requirement(req: RequirementRow) -> dict[str, Any]:
    return {
        "requirement": req.id,
        "title": req.title,
        "description": req.description,
        "groups": list(req.groups),
        "category": req.category,
        "coso": req.coso,
        "state": req.state,
        "controls": [
            {
                "control": c.control_id,
                "status": c.status,
                "ready": c.ready,
                "role": c.role,
                "deficient": c.deficient,
            }
            for c in req.controls
        ],
        "warnings": list(req.warnings),
    }


def _framework(fw: FrameworkReport) -> dict[str, Any]:
    return {
        **fw.figures.to_dict(),
        "name": fw.name,
        "version": fw.version,
        "groups": [{**g.figures.to_dict(), "depth": g.depth} for g in fw.groups],
        "requirements": [_requirement(r) for r in fw.requirements],
    }


def _evidence(ev: EvidenceItem) -> dict[str, Any]:
    return {
        "id": ev.id,
        "kind": ev.kind,
        "ref": ev.ref,
        "title": ev.title,
        "effective_from": fmt_date(ev.effective_from) or None,
        "effective_to": fmt_date(ev.effective_to) or None,
        "sha256": ev.sha256,
        "size": ev.size,
        "added_at": fmt_time(ev.added_at),
        "added_by": ev.added_by,
        "status": ev.status or None,
    }


def _control(c: ControlReport) -> dict[str, Any]:
    last = c.last_change
    return {
        "control": c.id,
        "title": c.title,
        "description": c.description,
        "catalog": c.catalog_id,
        "domain": c.domain,
        "frequency": c.frequency,
        "type": c.type,
        "nature": c.nature,
        "key": c.key,
        "owner_role": c.owner_role or None,
        "systems": list(c.systems),
        "covers": list(c.covers),
        "status": c.status,
        "ready": c.ready,
        "shared": c.shared,
        "frameworks": list(c.frameworks),
        "owner": c.owner,
        "due": fmt_date(c.due) or None,
        "notes": c.notes,
        "justification": c.justification,
        "version": c.version,
        "last_change": (
            {"at": fmt_time(last.at), "by": last.by, "fields": list(last.fields)} if last else None
        ),
        "evidence": [_evidence(e) for e in c.evidence],
        "mappings": [
            {
                "framework": m.framework_id,
                "requirement": m.requirement_id,
                "title": m.requirement_title,
                "state": m.requirement_state,
                "relationship": m.relationship,
                "rationale": m.rationale or None,
                "role": m.role,
            }
            for m in c.mappings
        ],
    }


def to_dict(report: Report) -> dict[str, Any]:
    """The export document, key order as documented in docs/json.md."""
    meta = report.meta
    doc = {
        "schema": SCHEMA,
        "generated_at": fmt_time(meta.generated_at),
        "database": meta.database,
        "catalogs": [{"id": c.id, "title": c.title, "version": c.version} for c in meta.catalogs],
        "head_hash": meta.head_hash,
        "lens": meta.lens,
        "scope": {
            "excluded": [
                {"framework": f, "group": g, "reason": why} for f, g, why in meta.scope_excluded
            ],
            "filer_status": meta.filer_status,
        },
        "frameworks": [_framework(fw) for fw in report.frameworks],
        "shared": report.shared.to_dict() if report.shared else None,
        "gaps": [g.to_dict() for g in report.gaps],
        "next": [lv.to_dict() for lv in report.leverage],
        "controls": [_control(c) for c in report.controls],
        "orphans": [
            {"control": o.control_id, "status": o.status, "evidence": o.evidence}
            for o in report.orphans
        ],
        "testing": _testing(report.testing) if report.testing is not None else None,
    }
    if report.sox is not None and (report.sox.scoped or report.sox.retired):
        doc["sox"] = sox_dict(report.sox)  # only when there is scoping or a retired record
    return doc


def _testing(t: ControlTestingReport) -> dict[str, Any]:
    return {
        "backed_rule": t.backed_rule,
        "periods": [p.to_dict() for p in t.periods],
        "current": {fw: (p.name if p else None) for fw, p in t.current},
        "frameworks": [fb.to_dict() for fb in t.frameworks],
        "controls": [
            {
                "control": c.control_id,
                "period": c.period.name,
                "design_tests": [d.to_dict() for d in c.design],
                "design_passed": c.design_passed,
                "operating_test": c.operating_test.to_dict() if c.operating_test else None,
                "operating": c.operating.to_dict(),
                "samples": [s.to_dict() for s in c.samples],
                "findings": [f.id for f in c.findings],
                "coverage": c.coverage.to_dict(),
            }
            for c in t.controls
        ],
        "findings": [f.to_dict() for f in t.findings],
    }


def render_json(report: Report) -> str:
    return json_safe(json.dumps(to_dict(report), indent=2, ensure_ascii=False)) + "\n"
