"""The words of a risk-control matrix: column headers as firms spell them, and cell values
(frequencies, natures, assertion codes, ...) read into catalog values.

The RCM export (reports/rcm.py) writes the canonical headers and labels below, so that an
exported RCM imports back into the same catalog.
"""

from __future__ import annotations

import functools
import re

# -- fields ----------------------------------------------------------------------------------
# A control row's fields, in the order of the exported RCM.
RISK_FIELDS: tuple[str, ...] = (
    "risk_id",
    "risk",
    "fraud",
    "likelihood",
    "magnitude",
    "accounts",
    "assertions",
)
CONTROL_FIELDS: tuple[str, ...] = (
    "id",
    "title",
    "description",
    "owner",
    "frequency",
    "nature",
    "type",
    "key",
    "systems",
    "ipe",
    "covers",
    "soc2",
    "coso",
    "sox",
    "other",
    "domain",
)
GROUP_FIELDS: tuple[str, ...] = ("process", "subprocess")
# Recorded state in an exported RCM: recognised, never imported (it lives in the database).
STATE_FIELDS: tuple[str, ...] = ("status", "test", "findings")
IGNORE = "ignore"
FIELDS: tuple[str, ...] = (*GROUP_FIELDS, *RISK_FIELDS, *CONTROL_FIELDS, *STATE_FIELDS)

# The headers the RCM export writes (and the first spelling the importer knows).
HEADERS: dict[str, str] = {
    "process": "Process",
    "subprocess": "Subprocess",
    "risk_id": "Risk ID",
    "risk": "Risk (what could go wrong)",
    "fraud": "Fraud risk",
    "likelihood": "Likelihood",
    "magnitude": "Magnitude",
    "accounts": "Accounts",
    "assertions": "Assertions",
    "id": "Control ID",
    "title": "Control title",
    "description": "Control description",
    "owner": "Control owner",
    "frequency": "Frequency",
    "nature": "Nature",
    "type": "Type",
    "key": "Key / Non-key",
    "systems": "Systems",
    "ipe": "IPE (reports relied on)",
    "covers": "ITGC over (systems)",
    "soc2": "SOC 2 criteria",
    "coso": "COSO principles",
    "sox": "SOX requirements",
    "other": "Other mappings",
    "domain": "Domain",
    "status": "Status",
    "test": "Latest test conclusion",
    "findings": "Findings",
}

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": (
        "control id",
        "control no",
        "control number",
        "control ref",
        "control reference",
        "ctrl ref",
        "ctrl id",
        "ctrl no",
        "control ref no",
        "control identifier",
        "key control id",
        "control code",
        "ref",
        "ref no",
        "id",
    ),
    "title": ("control title", "control name", "title", "name", "short description"),
    "description": (
        "control description",
        "control activity",
        "control activities",
        "control activity description",
        "description of control",
        "control narrative",
        "description",
        "activity",
    ),
    "owner": (
        "control owner",
        "owner",
        "owner role",
        "control performer",
        "performer",
        "performed by",
        "responsible",
        "responsible party",
    ),
    "frequency": ("frequency", "control frequency", "freq", "timing of control"),
    "nature": (
        "nature",
        "control nature",
        "manual automated",
        "manual automated itdm",
        "manual automated it dependent",
        "manual automated it dependent manual",
        "automated manual",
        "manual vs automated",
        "automation",
        "automated or manual",
        "manual or automated",
    ),
    "type": (
        "type",
        "control type",
        "preventive detective",
        "preventative detective",
        "preventive detective corrective",
        "prev det",
        "detective preventive",
    ),
    "key": (
        "key",
        "key control",
        "key non key",
        "key nonkey",
        "key or non key",
        "key control y n",
        "key y n",
        "is key",
        "key secondary",
    ),
    "systems": (
        "systems",
        "system",
        "application",
        "applications",
        "system application",
        "systems applications",
        "it system",
        "it systems",
        "relevant systems",
    ),
    "ipe": (
        "ipe",
        "ipe reports relied on",
        "ipe reports",
        "key reports",
        "reports",
        "reports relied on",
        "ipe key reports",
        "information produced by the entity",
        "eucs",
        "ipe eucs",
    ),
    "covers": (
        "itgc over systems",
        "itgc over",
        "covers",
        "systems covered",
        "itgc systems covered",
        "itgc scope",
    ),
    "soc2": (
        "soc 2 criteria",
        "soc2 criteria",
        "soc 2",
        "soc2",
        "tsc",
        "trust services criteria",
        "soc 2 tsc",
        "soc 2 mapping",
        "tsc reference",
        "tsc ref",
        "soc 2 reference",
    ),
    "coso": (
        "coso principles",
        "coso principle",
        "coso",
        "coso 2013",
        "coso ref",
        "coso reference",
        "coso mapping",
    ),
    "sox": ("sox requirements", "sox", "sox mapping", "sox reference", "sox areas"),
    "other": ("other mappings", "other frameworks"),
    "domain": ("domain", "control domain", "control area"),
    "process": (
        "process",
        "business process",
        "process area",
        "major process",
        "cycle",
        "business cycle",
        "process name",
    ),
    "subprocess": (
        "subprocess",
        "sub process",
        "sub process name",
        "process step",
        "minor process",
    ),
    "risk_id": (
        "risk id",
        "risk no",
        "risk number",
        "risk ref",
        "risk reference",
        "risk code",
        "rmm id",
    ),
    "risk": (
        "risk what could go wrong",
        "risk",
        "risk description",
        "what could go wrong",
        "wcgw",
        "risk statement",
        "risk of material misstatement",
        "rmm",
        "risk title",
    ),
    "fraud": ("fraud risk", "fraud", "fraud risk y n", "fraud y n", "is fraud risk"),
    "likelihood": ("likelihood", "risk likelihood", "probability", "inherent likelihood"),
    "magnitude": ("magnitude", "impact", "risk impact", "risk magnitude", "magnitude impact"),
    "accounts": (
        "accounts",
        "account",
        "significant accounts",
        "significant account",
        "significant accounts and disclosures",
        "fsli",
        "financial statement line item",
        "financial statement line items",
        "financial statement accounts",
        "account s",
        "significant account s",
        "significant accounts disclosures",
    ),
    "assertions": (
        "assertions",
        "assertion",
        "relevant assertions",
        "financial statement assertions",
        "fs assertions",
        "assertion s",
    ),
    "status": ("status",),
    "test": ("latest test conclusion", "test conclusion"),
    "findings": ("findings",),
}
# Header words that give a field away when no exact spelling matched ("SOC 2 (TSC 2017)").
_KEYWORDS: tuple[tuple[str, str], ...] = (
    (r"\bsoc ?2\b|\btsc\b|trust services", "soc2"),
    (r"\bcoso\b", "coso"),
    (r"what could go wrong|\bwcgw\b", "risk"),
    (r"\bassertions?\b", "assertions"),
    (r"\bfrequency\b", "frequency"),
    (r"\bipe\b", "ipe"),
    (r"\bfraud\b", "fraud"),
)


@functools.lru_cache(maxsize=8192)  # the same few words fill most cells
def normalise_header(text: str) -> str:
    """'Control #' -> 'control no', 'Key / Non-key' -> 'key non key', 'R&O' -> 'r and o'."""
    text = text.lower().replace("#", " no ").replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


HEADER_INDEX: dict[str, str] = {
    normalise_header(spelling): field
    for field, spellings in _SYNONYMS.items()
    for spelling in spellings
}
for _field, _header in HEADERS.items():
    HEADER_INDEX.setdefault(normalise_header(_header), _field)


def field_for_header(header: str) -> str | None:
    """The field a column header names: an exact known spelling, else a telling keyword."""
    norm = normalise_header(header)
    if not norm:
        return None
    found = HEADER_INDEX.get(norm)
    if found is not None:
        return found
    for pattern, field in _KEYWORDS:
        if re.search(pattern, norm):
            return field
    return None


# -- values ----------------------------------------------------------------------------------
def _table(pairs: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {normalise_header(word): value for value, words in pairs.items() for word in words}


FREQUENCY_LABELS: dict[str, str] = {
    "annual": "Annual",
    "semiannual": "Semi-annual",
    "quarterly": "Quarterly",
    "monthly": "Monthly",
    "weekly": "Weekly",
    "daily": "Daily",
    "multiple-daily": "Multiple times per day",
    "per-event": "Per event",
    "continuous": "Continuous",
}
FREQUENCIES = _table(
    {
        "annual": (
            "annual",
            "annually",
            "yearly",
            "a",
            "y",
            "yr",
            "once a year",
            "year end",
            "1x year",
            "1 per year",
        ),
        "semiannual": (
            "semi annual",
            "semiannual",
            "semi annually",
            "semiannually",
            "bi annual",
            "biannual",
            "half yearly",
            "sa",
            "twice a year",
            "2x year",
        ),
        "quarterly": ("quarterly", "q", "qtr", "qtrly", "quarter", "quarter end", "each quarter"),
        "monthly": ("monthly", "m", "mth", "mthly", "month end", "each month", "month"),
        "weekly": (
            "weekly",
            "w",
            "wk",
            "wkly",
            "each week",
            "bi weekly",
            "biweekly",
            "fortnightly",
            "every two weeks",
            "semi monthly",
            "semimonthly",
            "twice a month",
        ),
        "daily": ("daily", "d", "day", "each day", "every day", "once a day"),
        "multiple-daily": (
            "multiple times per day",
            "multiple times a day",
            "multiple times daily",
            "several times a day",
            "many times a day",
            "multiple daily",
            "multiple",
            "md",
            "recurring",
            "hourly",
        ),
        "per-event": (
            "per event",
            "event driven",
            "as needed",
            "as required",
            "ad hoc",
            "adhoc",
            "per occurrence",
            "per transaction",
            "transactional",
            "each transaction",
            "upon occurrence",
            "when required",
            "on demand",
            "event",
            "e",
        ),
        "continuous": (
            "continuous",
            "continuously",
            "real time",
            "realtime",
            "automated",
            "system",
            "ongoing",
            "c",
        ),
    }
)
NATURE_LABELS: dict[str, str] = {
    "manual": "Manual",
    "automated": "Automated",
    "it-dependent-manual": "IT-dependent manual",
}
NATURES = _table(
    {
        "manual": ("manual", "m", "man"),
        "automated": (
            "automated",
            "automatic",
            "auto",
            "a",
            "system",
            "application",
            "application control",
            "it application control",
            "itac",
            "fully automated",
        ),
        "it-dependent-manual": (
            "it dependent manual",
            "itdm",
            "it dependent",
            "itd",
            "semi automated",
            "semiautomated",
            "manual with it",
            "hybrid",
            "manual it dependent",
            "itdm manual",
        ),
    }
)
TYPE_LABELS: dict[str, str] = {
    "preventive": "Preventive",
    "detective": "Detective",
    "corrective": "Corrective",
}
TYPES = _table(
    {
        "preventive": ("preventive", "preventative", "prevent", "prev", "p"),
        "detective": ("detective", "detect", "det", "d"),
        "corrective": ("corrective", "correct", "corr", "c"),
    }
)
YES = frozenset(
    normalise_header(w) for w in ("yes", "y", "x", "true", "1", "key", "key control", "k")
)
NO = frozenset(
    normalise_header(w)
    for w in (
        "no",
        "n",
        "false",
        "0",
        "non key",
        "nonkey",
        "not key",
        "secondary",
        "nk",
        "non",
        "-",
        "n a",
    )
)
LEVEL_LABELS: dict[str, str] = {"low": "Low", "medium": "Medium", "high": "High"}
LEVELS = _table(
    {
        "low": ("low", "l", "1", "remote", "minor", "lo"),
        "medium": ("medium", "med", "m", "2", "moderate", "reasonably possible", "mod"),
        "high": ("high", "h", "3", "probable", "major", "significant", "hi"),
    }
)
ASSERTION_WORDS = _table(
    {
        "existence": ("existence", "occurrence", "existence occurrence", "e o", "eo", "e", "o"),
        "completeness": ("completeness", "c"),
        "valuation": (
            "valuation",
            "accuracy",
            "allocation",
            "valuation allocation",
            "accuracy valuation",
            "accuracy valuation allocation",
            "valuation and allocation",
            "v a",
            "a v",
            "va",
            "v",
            "a",
        ),
        "rights": (
            "rights and obligations",
            "rights",
            "obligations",
            "r and o",
            "r o",
            "ro",
            "r",
        ),
        "presentation": (
            "presentation and disclosure",
            "presentation",
            "disclosure",
            "classification",
            "presentation disclosure",
            "p and d",
            "p d",
            "pd",
            "p",
        ),
        "cutoff": ("cut off", "cutoff", "co", "c o"),
    }
)


def lookup(table: dict[str, str], text: str) -> str | None:
    return table.get(normalise_header(text))


def yes_no(text: str) -> bool | None:
    norm = normalise_header(text)
    if norm in YES:
        return True
    if norm in NO or not norm:
        return False
    return None


def split_list(text: str) -> list[str]:
    """Items of a list cell: separated by ';' or new lines, else by ','."""
    parts = re.split(r"[;\n]+", text) if re.search(r"[;\n]", text) else text.split(",")
    return [p.strip() for p in parts if p.strip()]


_BRACKET_ID = re.compile(r"^(?P<name>.*?)\s*\[(?P<id>[A-Za-z0-9][A-Za-z0-9._-]*)\]\s*$")


def name_and_id(text: str) -> tuple[str, str | None]:
    """'Trial balance report [RPT-TB]' -> ('Trial balance report', 'RPT-TB')."""
    m = _BRACKET_ID.match(text)
    if m:
        return m.group("name").strip(), m.group("id")
    return text.strip(), None


def with_id(name: str, item_id: str) -> str:
    """The cell form of a named item: 'Trial balance report [RPT-TB]' (the id alone when the
    name adds nothing)."""
    return item_id if not name or name == item_id else f"{name} [{item_id}]"


def make_id(text: str, prefix: str = "") -> str:
    """An id in the catalog's alphabet from a name: 'SAP ECC 6.0' -> 'SAP-ECC-6.0'."""
    core = re.sub(r"[^A-Za-z0-9._-]+", "-", text.strip()).strip("-._").upper()[:40].strip("-._")
    return f"{prefix}{core}" if core else f"{prefix}ITEM"


def slug(text: str, fallback: str = "imported") -> str:
    """A catalog or framework id: lowercase letters, digits, '-' (starting with a letter)."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48].strip("-")
    if not s:
        return fallback
    return s if s[0].isalpha() else f"x-{s}"
