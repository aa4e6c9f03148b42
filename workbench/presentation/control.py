"""One control, as Rich renderables: what `workbench show` prints and the app's detail pane
shows: what it is, its state, why it is or is not ready (the app, from the core's
conclusion), what it satisfies, its evidence (flagged when a file changed or went missing
since it was attached), its tests per period and its last changes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from rich.console import RenderableType
from rich.text import Text

from workbench.core.store import CONTROL_FIELDS, ControlState, Event, Evidence
from workbench.core.store.describe import describe_change
from workbench.core.testing.words import sample_words
from workbench.core.text import clip

from . import (
    EVIDENCE_STATE_STYLES,
    SHARED_BADGE,
    SHARED_STYLE,
    STATE_STYLES,
    STATUS_LABELS,
    STATUS_STYLES,
    VERDICT_STYLES,
    label_style,
)
from .testing import finding_line, term_hint

if TYPE_CHECKING:
    from workbench.core.catalog import CatalogSet, Control
    from workbench.core.readiness import Readiness
    from workbench.core.testing import Backing

SHORT = 200  # characters of a one-line value (owner, evidence title, a history value)


def control_view(
    catalog: CatalogSet,
    control_id: str,
    state: ControlState,
    evidence: Sequence[Evidence],
    history: Sequence[Event],
    *,
    readiness: Readiness | None = None,
    backing: Backing | None = None,
    evidence_words: Mapping[int, str] | None = None,
    full: bool = False,
) -> list[RenderableType]:
    """Everything about one control; catalog and stored text is never markup.

    `readiness`: requirement states, the shared badge and the conclusion under the lens (the
    app has it live); `backing`: the tests of each period; `full`: what the CLI adds (systems,
    mapping relationships, the last change)."""
    ctl = catalog.controls.get(control_id)
    parts: list[RenderableType] = []
    if ctl is None:
        parts.append(Text.assemble((control_id, "bold"), "  ", ("(orphaned)", "bold yellow")))
        parts.append(
            Text(
                "This ID is no longer in any loaded catalog. Its record is kept; nothing is "
                "deleted.",
                style="yellow",
            )
        )
    else:
        parts += _heading(catalog, ctl, readiness, full)
    parts += _state(ctl, state, readiness, backing, full)
    if ctl is not None:
        if ctl.description:
            parts += [Text(""), Text(ctl.description)]
        parts += [Text(""), *_satisfies(catalog, control_id, readiness, full)]
        scoping = _scoping(catalog, ctl)
        if scoping:
            parts += [Text(""), *scoping]
    if state.notes:
        parts += [Text(""), Text("Notes", style="bold"), Text(clip(state.notes))]
    parts += [Text(""), *_evidence(evidence, evidence_words or {})]
    if backing is not None:
        parts += [Text(""), *_testing(backing, control_id)]
    parts += [Text(""), *_history(history)]
    return parts


def _heading(
    catalog: CatalogSet, ctl: Control, readiness: Readiness | None, full: bool
) -> list[RenderableType]:
    badges = Text()
    if readiness is not None and readiness.is_shared(ctl.id):
        badges.append(f" {SHARED_BADGE} ", style=f"reverse {SHARED_STYLE}")
        badges.append(" ")
    if ctl.key:
        badges.append(" SOX key ", style="reverse bold")
        badges.append(" ")
    facts = [ctl.domain, ctl.frequency, ctl.type, ctl.nature]
    if full and ctl.owner_role:
        facts.append(f"owner role {ctl.owner_role}")
    badges.append(" · ".join(f for f in facts if f), style="dim")
    out: list[RenderableType] = [
        Text.assemble((ctl.id, "bold"), "  ", (ctl.title, "bold")),
        badges,
    ]
    if full:
        for label, ids in (("runs on / uses", ctl.systems), ("covers (ITGC)", ctl.covers)):
            if ids:
                names = [
                    f"{sid} ({catalog.systems[sid].name})" if sid in catalog.systems else sid
                    for sid in ids
                ]
                out.append(Text(f"{label}: {', '.join(names)}", style="dim"))
    return out


def _state(
    ctl: Control | None,
    state: ControlState,
    readiness: Readiness | None,
    backing: Backing | None,
    full: bool,
) -> list[RenderableType]:
    status = state.status.value
    line = Text.assemble(("Status ", "dim"), (STATUS_LABELS[status], STATUS_STYLES[status]))
    out: list[RenderableType] = [line]
    if readiness is not None and ctl is not None:
        if readiness.is_ready(ctl.id):
            line.append("  ready", style="green")
        elif readiness.is_deficient(ctl.id) and status != "deficient":
            line.append("  deficient under the tests", style="bold red")
    line.append("   Owner ", style="dim")
    if state.owner:
        line.append(clip(state.owner, SHORT))
    else:
        line.append("—" + (f" (suggested: {ctl.owner_role})" if ctl and ctl.owner_role else ""))
    line.append("   Due ", style="dim")
    line.append(state.due.isoformat() if state.due else "—")
    if readiness is not None and backing is not None and ctl is not None:
        out += why_lines(readiness, backing, ctl.id)
    if state.justification or status == "not_applicable":
        out.append(Text.assemble(("N/A because ", "dim"), clip(state.justification or "-")))
    if full:
        if state.recorded:
            when = state.updated_at.strftime("%Y-%m-%d %H:%M:%SZ") if state.updated_at else ""
            out.append(
                Text(
                    f"last change {when} by {state.updated_by} (version {state.version})",
                    style="dim",
                )
            )
        else:
            out.append(Text("never recorded", style="dim"))
    return out


def why_lines(readiness: Readiness, backing: Backing, control_id: str) -> list[RenderableType]:
    """Why the control is or is not ready under the lens in use: the core's conclusion (label
    and reasons), with the one-line meaning of the label."""
    c = backing.conclusion(control_id, readiness.status(control_id), readiness.lens)
    line = Text.assemble(("Why ", "dim"), (f"{readiness.lens} lens: ", "dim"))
    line.append(c.label, style=label_style(c.label))
    if c.contradicted:
        line.append(" (contradicts the status effective)", style="bold red")
    if c.reasons:
        line.append(": " + "; ".join(c.reasons))
    elif c.label == "ready" and c.checked and readiness.lens == "operating":
        line.append(" (effective, backed by tests)")
    elif not c.checked and c.label != "not applicable":
        line.append(" (no audit period applies: the status alone decides)", style="dim")
    out: list[RenderableType] = [line]
    hint = term_hint(c.label)
    if hint:
        out.append(Text(f"  {hint}", style="dim italic"))
    return out


def _satisfies(
    catalog: CatalogSet, control_id: str, readiness: Readiness | None, full: bool
) -> list[RenderableType]:
    out: list[RenderableType] = [Text("Satisfies", style="bold")]
    refs = catalog.by_control.get(control_id, ())
    if not refs and not full:
        out.append(Text("  not mapped to any requirement", style="dim"))
    for fw in catalog.frameworks.values():
        mine = [m for m in refs if m.framework_id == fw.id]
        if full:  # every framework named, the unmapped ones said so
            head = Text(f"  {fw.name}:")
            if not mine:
                head.append(" not mapped", style="dim")
            out.append(head)
        # Plain aligned lines: a Rich Table here cost more than everything else on a key press.
        for m in mine:
            node = fw.nodes.get(m.requirement_id)
            row = Text(no_wrap=not full, overflow="ellipsis")
            row.append("    " if full else f"{fw.name:<6} ")
            row.append(f"{m.requirement_id:<12}", style="bold")
            if readiness is not None:
                st = readiness.state(m.framework_id, m.requirement_id)
                row.append(f"{st.replace('_', ' '):<9}", style=STATE_STYLES.get(st, ""))
            if m.role == "supporting":
                row.append("supports ", style="dim italic")
            row.append(node.title if node else "")
            if full and m.relationship:
                row.append(f"  ({m.relationship})", style="dim")
            out.append(row)
    return out


def _scoping(catalog: CatalogSet, ctl: Control) -> list[RenderableType]:
    """Where the control sits in the SOX scoping: its process, the risks it addresses (with
    the accounts and assertions each threatens) and the reports it relies on. Empty for a
    control the catalogs give none of these."""
    from workbench.core.catalog.model import ASSERTION_CODES

    if not (ctl.process or ctl.risks or ctl.ipe):
        return []
    out: list[RenderableType] = [Text("SOX scoping", style="bold")]
    if ctl.process:
        where = f"{ctl.process} / {ctl.subprocess}" if ctl.subprocess else ctl.process
        out.append(Text.assemble(("  process  ", "dim"), where))
    for rid in ctl.risks:
        risk = catalog.risks.get(rid)
        row = Text("  risk     ", style="dim")
        row.append(rid, style="bold")
        if risk is None:
            row.append("  (not in the loaded catalogs)", style="yellow")
            out.append(row)
            continue
        row.append(f"  {risk.title}")
        if risk.fraud:
            row.append("  [fraud risk]", style="bold red")
        codes = ", ".join(ASSERTION_CODES.get(a, a) for a in risk.assertions)
        threatens = [f"{aid}: {codes}" if codes else aid for aid in risk.accounts]
        if threatens:
            row.append(f"  ({'; '.join(threatens)})", style="dim")
        out.append(row)
    if ctl.ipe:
        out.append(Text.assemble(("  relies on reports  ", "dim"), clip(", ".join(ctl.ipe), SHORT)))
    return out


def _evidence(evidence: Sequence[Evidence], words: Mapping[int, str]) -> list[RenderableType]:
    problems = sum(1 for ev in evidence if words.get(ev.id) in ("changed", "missing"))
    head = Text(f"Evidence ({len(evidence)})", style="bold")
    if problems:
        head.append(f"  {problems} changed or missing since attached", style="bold red")
    out: list[RenderableType] = [head]
    if not evidence:
        out.append(Text("  none attached", style="dim"))
    for ev in evidence:
        line = Text.assemble(
            f"  #{ev.id} ", (ev.kind, "cyan"), " ", clip(ev.title or ev.ref, SHORT)
        )
        if ev.title and ev.kind != "note":
            line.append(f"  {clip(ev.ref, SHORT)}", style="dim")
        if ev.effective_from or ev.effective_to:
            start = ev.effective_from.isoformat() if ev.effective_from else "…"
            end = ev.effective_to.isoformat() if ev.effective_to else "…"
            line.append(f"  [{start} → {end}]", style="dim")
        word = words.get(ev.id, "")
        if word:
            line.append(f"  {word}", style=EVIDENCE_STATE_STYLES.get(_state_key(word), ""))
        out.append(line)
    return out


def _state_key(word: str) -> str:
    return "ok" if word == "unchanged" else word


def _testing(backing: Backing, control_id: str) -> list[RenderableType]:
    """Per period with records: the design conclusion, how far the operating test is (the
    same words as `test show`) and the findings."""
    records = backing.records
    tests = [t for t in records.tests if t.control_id == control_id]
    findings = [f for f in records.findings if f.control_id == control_id]
    out: list[RenderableType] = [Text("Testing", style="bold")]
    if not tests and not findings:
        out.append(Text("  no tests recorded", style="dim"))
        return out
    for period in dict.fromkeys([t.period for t in tests] + [f.period for f in findings]):
        current = sorted(fw for fw, name in records.current.items() if name == period)
        head = Text.assemble("  ", (period, "bold"))
        if current:
            head.append(f"  (current for {', '.join(current)})", style="dim")
        out.append(head)
        d = backing.design(control_id, period)
        line = Text("    design: ")
        if d.test is None:
            line.append(f"untested in {period}", style="yellow")
        else:
            line.append(str(d.test.conclusion), style="green" if d.passed else "bold red")
            line.append(f"  {d.test.performed_on}", style="dim")
        out.append(line)
        op = backing.operating(control_id, period)
        line = Text(f"    operating: {sample_words(op)}  ")
        line.append(op.label, style=VERDICT_STYLES.get(op.verdict, ""))
        out.append(line)
        for f in findings:
            if f.period == period:
                out.append(finding_line(f, indent="    finding "))
    return out


def _history(history: Sequence[Event]) -> list[RenderableType]:
    out: list[RenderableType] = [Text("Recent history", style="bold")]
    if not history:
        out.append(Text("  no changes recorded", style="dim"))
    for h in history:
        when = h.at.strftime("%Y-%m-%d %H:%M")
        line = Text.assemble((f"{when} ", "dim"), (f"{clip(h.actor, SHORT)} ", "italic"))
        if h.undoes is not None:
            line.append(f"undo of action {h.undoes}: ", style="italic")
        if h.field in CONTROL_FIELDS:
            old, new = h.old_value, h.new_value
            if h.field == "status":
                old = STATUS_LABELS.get(old or "not_started", old)
                new = STATUS_LABELS.get(new or "not_started", new)
            line.append_text(
                Text.assemble(
                    f"{h.field}: ",
                    (clip(str(old or "—"), SHORT), "dim"),
                    " → ",
                    clip(str(new or "—"), SHORT),
                )
            )
        else:  # evidence, tests, samples, findings: in words, not their JSON records
            line.append(describe_change(h))
        out.append(line)
    return out
