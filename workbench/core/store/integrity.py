"""What the tables may never hold, whatever wrote them: references that resolve and the rules
every write checks (a sample inside its period, a justification for not applicable).

Ordinary writes check these before they write. An undo or a redo restores old values, which
may no longer fit what others recorded since (a period taken back under someone's samples, a
justification removed under someone's N/A): `_revert` compares this list before and after it
applies the values and refuses, writing nothing, when the revert would add to it. `verify`
reports the list too: a database an older workbench's undo left inconsistent, or one edited
by hand in a way its history happens to agree with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .format import PERIOD_SETTING_PREFIX

if TYPE_CHECKING:
    from .tx import Reader

_WHAT = {"control_test": "test", "test_sample": "sample", "finding": "finding"}


def broken_rules(db: Reader) -> list[str]:
    """Every rule the tables break now, each in words naming the record."""
    out: list[str] = []
    for row in db.all(
        "SELECT s.id, s.test_id, s.control_id FROM test_sample s "
        "LEFT JOIN control_test t ON t.id = s.test_id WHERE t.id IS NULL ORDER BY s.id"
    ):
        out.append(
            f"sample #{row['id']} of {row['control_id']} belongs to test "
            f"#{row['test_id']}, which does not exist"
        )
    for table, what in _WHAT.items():
        for row in db.all(
            f"SELECT x.id, x.period, x.control_id FROM {table} x "
            "LEFT JOIN audit_period p ON p.name = x.period WHERE p.name IS NULL ORDER BY x.id"
        ):
            out.append(
                f"{what} #{row['id']} of {row['control_id']} is in period "
                f"{row['period']}, which does not exist"
            )
    for row in db.all(
        "SELECT s.id, s.control_id, s.occurred_on, p.name, p.starts_on, p.ends_on "
        "FROM test_sample s JOIN audit_period p ON p.name = s.period "
        "WHERE s.occurred_on IS NOT NULL AND (s.occurred_on < p.starts_on "
        "OR s.occurred_on > p.ends_on) ORDER BY s.id"
    ):
        out.append(
            f"sample #{row['id']} of {row['control_id']} ({row['occurred_on']}) falls "
            f"outside period {row['name']} ({row['starts_on']} to {row['ends_on']})"
        )
    samples = {int(r["id"]) for r in db.all("SELECT id FROM test_sample")}
    for row in db.all("SELECT id, control_id, samples FROM finding WHERE samples IS NOT NULL"):
        cited = [p for p in str(row["samples"]).split(",") if p.strip()]
        missing = [p for p in cited if not p.strip().isdigit() or int(p) not in samples]
        if missing:
            out.append(
                f"finding #{row['id']} of {row['control_id']} cites sample(s) "
                f"{', '.join('#' + p.strip() for p in missing)}, which do not exist"
            )
    periods = {str(r["name"]) for r in db.all("SELECT name FROM audit_period")}
    for row in db.all(
        "SELECT key, value FROM setting WHERE substr(key, 1, ?) = ? ORDER BY key",
        (len(PERIOD_SETTING_PREFIX), PERIOD_SETTING_PREFIX),
    ):
        if row["value"] not in periods:
            fw = str(row["key"])[len(PERIOD_SETTING_PREFIX) :]
            out.append(f"the current {fw} period is {row['value']}, which does not exist")
    for row in db.all(
        "SELECT control_id FROM control_state WHERE status = 'not_applicable' "
        "AND (justification IS NULL OR trim(justification) = '') ORDER BY control_id"
    ):
        out.append(f"{row['control_id']} is not applicable without a justification")
    return out
