"""Generated import files of any size, for benchmarks and tests: an OSCAL catalog shaped like
NIST SP 800-53 (families, controls with parameters and lettered statements, enhancements,
withdrawn controls) and a risk-control matrix workbook. The text is filler, not NIST's."""

from __future__ import annotations

import io
import random
from typing import Any

FAMILIES = (
    ("ac", "Access Control"),
    ("at", "Awareness and Training"),
    ("au", "Audit and Accountability"),
    ("ca", "Assessment, Authorization, and Monitoring"),
    ("cm", "Configuration Management"),
    ("cp", "Contingency Planning"),
    ("ia", "Identification and Authentication"),
    ("ir", "Incident Response"),
    ("ma", "Maintenance"),
    ("mp", "Media Protection"),
    ("pe", "Physical and Environmental Protection"),
    ("pl", "Planning"),
    ("pm", "Program Management"),
    ("ps", "Personnel Security"),
    ("pt", "Personally Identifiable Information Processing and Transparency"),
    ("ra", "Risk Assessment"),
    ("sa", "System and Services Acquisition"),
    ("sc", "System and Communications Protection"),
    ("si", "System and Information Integrity"),
    ("sr", "Supply Chain Risk Management"),
)


def _props(label: str, withdrawn: bool) -> list[dict[str, str]]:
    props = [{"name": "label", "value": label}, {"name": "sort-id", "value": label.lower()}]
    if withdrawn:
        props.append({"name": "status", "value": "withdrawn"})
    return props


def _control(cid: str, label: str, n: int, rng: random.Random, enhancement: bool) -> dict[str, Any]:
    prm = f"{cid}_odp.01"
    sel = f"{cid}_odp.02"
    items = [
        {
            "id": f"{cid}_smt.{letter}",
            "name": "item",
            "props": [{"name": "label", "value": f"{letter}."}],
            "prose": f"Generated statement part {letter} of {label}, performed "
            f"{{{{ insert: param, {prm} }}}}.",
            "parts": [
                {
                    "id": f"{cid}_smt.{letter}.{k}",
                    "name": "item",
                    "props": [{"name": "label", "value": f"{k}."}],
                    "prose": f"Generated sub-item {k} with {{{{ insert: param, {sel} }}}}.",
                }
                for k in range(1, rng.randint(1, 3) + 1)
            ],
        }
        for letter in "abc"[: rng.randint(1, 3)]
    ]
    return {
        "id": cid,
        "class": "SP800-53-enhancement" if enhancement else "SP800-53",
        "title": f"Generated {'enhancement' if enhancement else 'control'} {n}",
        "params": [
            {"id": prm, "label": "frequency"},
            {
                "id": sel,
                "select": {"how-many": "one-or-more", "choice": ["option one", "option two"]},
            },
        ],
        "props": _props(label, False),
        "parts": [
            {"id": f"{cid}_smt", "name": "statement", "parts": items},
            {"id": f"{cid}_gdn", "name": "guidance", "prose": "Generated guidance. " * 12},
        ],
    }


def oscal_catalog(
    controls: int = 320, enhancements: int = 880, withdrawn: int = 180, seed: int = 0
) -> dict[str, Any]:
    """An OSCAL catalog document: `controls` base controls spread over 20 families, each
    family's controls carrying some of the `enhancements`; `withdrawn` of them withdrawn."""
    rng = random.Random(seed)
    groups: list[dict[str, Any]] = [
        {"id": fid, "class": "family", "title": title, "controls": []} for fid, title in FAMILIES
    ]
    bases: list[dict[str, Any]] = []
    for i in range(controls):
        g = groups[i % len(groups)]
        n = len(g["controls"]) + 1
        cid = f"{g['id']}-{n}"
        ctl = _control(cid, f"{g['id'].upper()}-{n}", i, rng, False)
        g["controls"].append(ctl)
        bases.append(ctl)
    for j in range(enhancements):
        base = bases[rng.randrange(len(bases))]
        subs = base.setdefault("controls", [])
        k = len(subs) + 1
        label = f"{base['props'][0]['value']}({k})"
        subs.append(_control(f"{base['id']}.{k}", label, j, rng, True))
    # Withdrawn ones are leaves (a control without enhancements, or an enhancement), so that
    # `withdrawn` is exactly how many are left out, as in rev 5's count of active controls.
    leaves = [c for b in bases for c in [b, *b.get("controls", [])] if not c.get("controls")]
    for c in rng.sample(leaves, min(withdrawn, len(leaves))):
        c["props"] = _props(c["props"][0]["value"], True)
        c["parts"] = []
    return {
        "catalog": {
            "uuid": "00000000-0000-4000-8000-000000000000",
            "metadata": {
                "title": "Generated catalog shaped like NIST SP 800-53",
                "last-modified": "2026-01-01T00:00:00Z",
                "version": "5.0-generated",
                "oscal-version": "1.1.2",
            },
            "groups": groups,
        }
    }


RCM_HEADER = [
    "Process",
    "Sub-Process",
    "Risk #",
    "WCGW",
    "Fraud Risk (Y/N)",
    "Likelihood",
    "Impact",
    "FSLI",
    "Assertions",
    "Control #",
    "Control Activity",
    "Control Owner",
    "Freq",
    "Manual/Automated/ITDM",
    "Prev/Det",
    "Key / Non-key",
    "Application",
    "Key Reports",
    "TSC",
    "COSO",
    "Testing Procedure",
]
_FREQ = ["Annual", "Quarterly", "Q", "Monthly", "M", "Weekly", "Daily", "Multiple times per day",
         "As needed", "Continuous"]  # fmt: skip
_NATURE = ["Manual", "Automated", "ITDM"]
_TYPE = ["Preventive", "Detective", "Prev", "Det"]
_ASSERT = ["E/O", "C", "V/A", "R&O", "P&D", "E/O, C", "V/A, CO", "C, CO"]
_ACCOUNTS = ["Revenue", "Receivables", "Payables", "Cash", "Inventory", "Payroll", "Fixed assets",
             "Accruals", "Equity", "Taxes"]  # fmt: skip
_SOC2 = ["CC6.1", "CC6.2, CC6.3", "CC8.1", "CC7.2", "CC3.1; CC3.2", "", ""]


def rcm_workbook(rows: int = 2000, seed: int = 0) -> bytes:
    """An xlsx RCM with `rows` control rows (a tenth of the controls carry two risks) over
    ten process sheets, the header on row 3."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    wb = Workbook()
    wb.remove(wb.active)
    per_sheet = max(1, rows // 10)
    written = 0
    control = 0
    for s in range(10):
        ws = wb.create_sheet(f"Process {s + 1}")
        ws.append([f"Generated RCM, process {s + 1}"])
        ws.append([])
        ws.append(RCM_HEADER)
        target = per_sheet if s < 9 else rows - written
        done = 0
        while done < target:
            control += 1
            risks = 2 if control % 10 == 0 and target - done >= 2 else 1
            own = [
                f"C-{control:05d}",
                f"Generated control activity number {control}. Reviewed and signed off.",
                f"Owner {control % 25}",
                rng.choice(_FREQ),
                rng.choice(_NATURE),
                rng.choice(_TYPE),
                "Key" if rng.random() < 0.6 else "Non-key",
                rng.choice(["ERP", "CRM", "Payroll system", ""]),
                rng.choice(["Aging report", "GL detail", ""]),
                rng.choice(_SOC2),
                rng.choice(["P10", "P11, P12", "P16", ""]),
                "Inspect a sample",
            ]
            for r in range(risks):
                n = (control * 3 + r) % 400
                rid = f"R-{s + 1}-{n:03d}"
                rnd = random.Random(f"{s}-{n}")  # a risk reads the same wherever it appears
                ws.append(
                    [
                        f"Process {s + 1}",
                        f"Step {control % 7}",
                        rid,
                        f"Generated risk {rid}",
                        "Y" if rnd.random() < 0.1 else "N",
                        rnd.choice(["L", "M", "H"]),
                        rnd.choice(["L", "M", "H"]),
                        rnd.choice(_ACCOUNTS),
                        rnd.choice(_ASSERT),
                        *own,
                    ]
                )
                done += 1
            written += risks
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
