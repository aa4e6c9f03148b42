"""A lived-in demo database: a realistic, half-finished SOC 2 + SOX review.

Deterministic (seeded), so screenshots and snapshot tests show the same picture every time.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when used: `workbench --help` and every command read demo_path()
    from workbench.core.catalog import CatalogSet
    from workbench.core.store import Store

PEOPLE = {
    "compliance": "Dana Lee",
    "security": "Sam Ortiz",
    "it": "Ravi Patel",
    "finance": "Priya Nair",
    "hr": "Jo Martin",
    "engineering": "Alex Kim",
}
ACTORS = ("dana.lee", "sam.ortiz", "priya.nair")

# How far each control family has come, as weights over statuses.
PROGRESS: dict[str, tuple[float, float, float, float, float]] = {
    # not_started, in_progress, implemented, effective, deficient
    "ELC": (0.05, 0.15, 0.35, 0.45, 0.0),
    "RA": (0.10, 0.30, 0.30, 0.30, 0.0),
    "HR": (0.10, 0.20, 0.30, 0.40, 0.0),
    "AC": (0.00, 0.15, 0.25, 0.50, 0.10),
    "CM": (0.05, 0.15, 0.30, 0.45, 0.05),
    "SD": (0.20, 0.30, 0.30, 0.20, 0.0),
    "OP": (0.10, 0.20, 0.30, 0.40, 0.0),
    "BR": (0.10, 0.30, 0.30, 0.30, 0.0),
    "IR": (0.10, 0.30, 0.40, 0.20, 0.0),
    "SM": (0.05, 0.25, 0.30, 0.40, 0.0),
    "NS": (0.05, 0.15, 0.30, 0.50, 0.0),
    "VM": (0.20, 0.40, 0.20, 0.20, 0.0),
    "DP": (0.30, 0.30, 0.30, 0.10, 0.0),
    "PR": (0.70, 0.30, 0.00, 0.00, 0.0),
    "PI": (0.40, 0.30, 0.20, 0.10, 0.0),
}
DEFAULT_PROGRESS = (0.25, 0.30, 0.25, 0.15, 0.05)  # finance process controls
STATUS_ORDER = ("not_started", "in_progress", "implemented", "effective", "deficient")
DEMO_TODAY = date(2027, 3, 15)


def _owner_for(role: str) -> str:
    r = role.lower()
    if any(w in r for w in ("security", "ciso")):
        return PEOPLE["security"]
    if any(
        w in r for w in ("controller", "cfo", "finance", "accounting", "treasur", "tax", "payroll")
    ):
        return PEOPLE["finance"]
    if any(w in r for w in ("hr", "people")):
        return PEOPLE["hr"]
    if any(w in r for w in ("engineer", "develop", "release")):
        return PEOPLE["engineering"]
    if any(w in r for w in ("it ", "infrastructure", "operations", "cio")) or r.startswith("it"):
        return PEOPLE["it"]
    return PEOPLE["compliance"]


def seed_demo(store: Store, catalog: CatalogSet, seed: int = 2027) -> int:
    """Fill an empty store with a half-finished review; returns the number of controls touched."""
    rng = random.Random(seed)
    touched = 0
    if "soc2" in catalog.frameworks and "PRIVACY" in catalog.frameworks["soc2"].nodes:
        from workbench.core.readiness import Scope

        store.set_setting(Scope.setting_key("soc2", "PRIVACY"), "out", actor=ACTORS[0])
    for cid, ctl in catalog.controls.items():
        family = cid.split("-")[0]
        weights = PROGRESS.get(family, DEFAULT_PROGRESS)
        status = rng.choices(STATUS_ORDER, weights=weights)[0]
        actor = rng.choice(ACTORS)
        owner = (
            _owner_for(ctl.owner_role) if status != "not_started" or rng.random() < 0.3 else None
        )
        due = None
        if status in ("not_started", "in_progress", "deficient"):
            due = DEMO_TODAY + timedelta(days=rng.randrange(7, 120))
        note = None
        if status == "deficient":
            note = "Walkthrough found missing approvals for 2 of 25 samples; remediation under way."
        elif status == "in_progress" and rng.random() < 0.4:
            note = "Procedure drafted; waiting for the owner's sign-off."
        if status == "not_started" and owner is None and due is None:
            continue
        store.mark([cid], status, actor=actor, note=note, owner=owner, due=due)
        touched += 1
        if status in ("implemented", "effective") and rng.random() < 0.6:
            quarter = rng.randrange(0, 3)
            start = date(2026, 1 + 3 * quarter, 1)
            end = date(2026, 4 + 3 * quarter, 1) - timedelta(days=1)
            store.add_evidence(
                cid,
                f"https://grc.example.com/evidence/{cid.lower()}/2026-q{quarter + 1}",
                actor=actor,
                title=f"{ctl.title} — Q{quarter + 1} 2026",
                effective_from=start,
                effective_to=end,
            )
    # One out-of-scope control, with its reason: a fully cloud-hosted company.
    if "PS-01" in catalog.controls:
        store.mark(
            ["PS-01"],
            "not_applicable",
            actor=ACTORS[1],
            justification="Fully cloud-hosted: no offices with server rooms; relies on the "
            "cloud provider's SOC 2 report for physical security.",
        )
    seed_testing(store, catalog, rng)
    return touched


def seed_testing(store: Store, catalog: CatalogSet, rng: random.Random) -> None:
    """A Type II / SOX period under way: some effective claims backed by tests, some not yet,
    an exception classified as a finding and one finding already remediated."""
    from workbench.core.workspace import Workspace

    if not {"soc2", "sox"} <= set(catalog.frameworks):
        return
    ws = Workspace(catalog, store, ACTORS[1])
    ws.add_period(
        "FY2026 SOC 2 Type II + SOX",
        ["soc2", "sox"],
        date(2026, 1, 1),
        date(2026, 12, 31),
        as_of=date(2026, 12, 31),
        use=True,
    )
    effective = [cid for cid, st in store.states().items() if st.status == "effective"]
    for i, cid in enumerate(effective):
        ws.record_design_test(
            cid,
            performed_on=date(2026, 2, 10),
            performer=PEOPLE["compliance"],
            conclusion="effective",
            notes="Walkthrough of one instance with the control owner.",
        )
        if i % 4 == 3:
            continue  # effective, but nobody has tested it yet: "effective, unsupported"
        required = ws.sample_size(cid).required
        done = required if i % 5 else max(1, required // 2)  # a few are still short
        days = sorted(rng.sample(range(10, 350), done))
        for n, day in enumerate(days):
            occurred = date(2026, 1, 1) + timedelta(days=day)
            ws.add_sample(cid, result="pass", occurred_on=occurred, ref=f"{cid}-S{n + 1:02d}")
    finance = [c for c in effective if catalog.frameworks_of(c) == {"sox"}]
    if finance:
        sample, _ = ws.add_sample(
            finance[0],
            result="exception",
            occurred_on=date(2026, 9, 30),
            notes="Entry above threshold posted without the second approval.",
        )
        ws.add_finding(
            finance[0],
            severity="significant_deficiency",
            summary="Second approval did not operate for one item above threshold",
            samples=[sample.id],
            owner=PEOPLE["finance"],
            due=date(2027, 4, 30),
        )
    if "AC-03" in catalog.controls and "AC-03" in effective:
        sample, _ = ws.add_sample(
            "AC-03",
            result="exception",
            occurred_on=date(2026, 4, 20),
            notes="Leaver's VPN account disabled 6 days after the last day.",
        )
        finding = ws.add_finding(
            "AC-03",
            severity="deficiency",
            summary="Late removal of one leaver's remote access",
            samples=[sample.id],
            owner=PEOPLE["security"],
            due=date(2026, 6, 30),
        )
        ws.update_finding(finding.id, status="remediated", remediated_on=date(2026, 6, 1))


DEMO_SETTING = "demo"  # the marker: only a database carrying it is ever reset


def demo_path() -> Path:
    """The demo database: demo.db in the user data directory, never the user's own."""
    from workbench.core.paths import data_dir

    return data_dir() / "demo.db"


def check_is_demo(path: Path) -> None:
    """StoreError unless `path` is a regular file holding a workbench demo database (the
    workbench application_id and the demo marker that seed_demo writes)."""
    from workbench.core.store import Store, StoreError

    refuse = (
        f"{path} is not a demo database made by workbench, so `demo --reset` left it "
        "unchanged (it only ever deletes a database that carries the demo marker)"
    )
    if path.is_symlink() or not path.is_file():
        raise StoreError(refuse)
    try:
        with Store.open(path, create=False) as store:
            marked = store.settings().get(DEMO_SETTING)
    except StoreError:
        raise StoreError(refuse) from None
    if not marked:
        raise StoreError(refuse)


def open_demo(path: Path, catalog: CatalogSet, reset: bool = False) -> Store:
    """The demo store at `path`, seeded on first use (or again with reset, which first makes
    sure the file is a demo database: see check_is_demo)."""
    from workbench.core.store import Store

    if reset and (path.exists() or path.is_symlink()):
        check_is_demo(path)  # its store is closed again: nothing of ours holds the file now
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = Store.open(path)
    if store.created:
        store.set_setting(DEMO_SETTING, "seeded by workbench demo", actor=ACTORS[0])
        seed_demo(store, catalog)
    return store
