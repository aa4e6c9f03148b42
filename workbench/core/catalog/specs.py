"""What each object of a catalog file may hold: its fields, their types, which are required,
and the patterns of IDs. Checked by reading.check_fields with file, line and field."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import (
    ACCOUNT_KINDS,
    CONTROL_TYPES,
    FREQUENCIES,
    LEVELS,
    NATURES,
    NODE_KINDS,
    PRIMARY,
    RELATIONSHIPS,
    SUPPORTING,
    SYSTEM_KINDS,
)

SLUG_RE = re.compile(r"^[a-z][a-z0-9_-]*$")
ITEM_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True, slots=True)
class Spec:
    """What one field of a catalog object must hold."""

    type: str  # str | int | bool | list | map | ref
    required: bool = False
    choices: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    what: str = ""


class Specs(dict[str, Spec]):
    """The fields of one kind of catalog object, with its required ones listed once."""

    def __init__(self, fields: dict[str, Spec]) -> None:
        super().__init__(fields)
        self.required = tuple(key for key, spec in fields.items() if spec.required)


CATALOG_FIELDS = Specs(
    {
        "id": Spec("str", True, pattern=SLUG_RE, what="lowercase letters, digits, '-' or '_'"),
        "title": Spec("str", True),
        "version": Spec("str", True),
        "description": Spec("str"),
        # This catalog replaces the bundled control library (its controls, systems, accounts
        # and risks); the bundled frameworks stay.
        "replaces_bundled_controls": Spec("bool"),
    }
)
FRAMEWORK_FIELDS = Specs(
    {
        "id": Spec("str", True, pattern=SLUG_RE, what="lowercase letters, digits, '-' or '_'"),
        "name": Spec("str", True),
        "title": Spec("str"),
        "version": Spec("str"),
        "description": Spec("str"),
        "requirements": Spec("list", True),
    }
)
NODE_FIELDS = Specs(
    {
        "id": Spec("str", True, pattern=ITEM_ID_RE, what="letters, digits, '.', '-' or '_'"),
        "kind": Spec("str", choices=NODE_KINDS),
        "level": Spec("str"),
        "title": Spec("str", True),
        "description": Spec("str"),
        "parent": Spec("str"),
        "optional": Spec("bool"),
        "default_scope": Spec("str", choices=("in", "out")),
        "coso": Spec("int"),
        "filers": Spec("list"),
    }
)
CONTROL_FIELDS = Specs(
    {
        "id": Spec("str", True, pattern=ITEM_ID_RE, what="letters, digits, '.', '-' or '_'"),
        "title": Spec("str", True),
        "description": Spec("str", True),
        "domain": Spec("str", True),
        "frequency": Spec("str", True, choices=FREQUENCIES),
        "type": Spec("str", True, choices=CONTROL_TYPES),
        "nature": Spec("str", True, choices=NATURES),
        "key": Spec("bool"),
        "owner_role": Spec("str"),
        "systems": Spec("list"),
        "covers": Spec("list"),
        "satisfies": Spec("map"),
        "supports": Spec("map"),
        "risks": Spec("list"),
        "process": Spec("str"),
        "subprocess": Spec("str"),
        "ipe": Spec("list"),
    }
)
ACCOUNT_FIELDS = Specs(
    {
        "id": Spec("str", True, pattern=ITEM_ID_RE, what="letters, digits, '.', '-' or '_'"),
        "name": Spec("str", True),
        "kind": Spec("str", choices=ACCOUNT_KINDS),
        "assertions": Spec("list", True),
        "description": Spec("str"),
    }
)
RISK_FIELDS = Specs(
    {
        "id": Spec("str", True, pattern=ITEM_ID_RE, what="letters, digits, '.', '-' or '_'"),
        "title": Spec("str", True),
        "description": Spec("str"),
        "accounts": Spec("list", True),
        "assertions": Spec("list", True),
        "likelihood": Spec("str", choices=LEVELS),
        "magnitude": Spec("str", choices=LEVELS),
        "fraud": Spec("bool"),
    }
)
RETIRE_FIELDS = Specs({"id": Spec("str"), "ids": Spec("list"), "reason": Spec("str", True)})
CROSSWALK_FIELDS = Specs(
    {"source": Spec("str", True), "target": Spec("str", True), "links": Spec("list", True)}
)
LINK_FIELDS = Specs(
    {
        "from": Spec("str", True),
        "to": Spec("str", True),
        "relationship": Spec("str", choices=RELATIONSHIPS),
    }
)
MAPPING_FIELDS = Specs(
    {
        "control": Spec("str", True),
        "satisfies": Spec("map"),
        "supports": Spec("map"),
    }
)
SYSTEM_FIELDS = Specs(
    {
        "id": Spec("str", True, pattern=ITEM_ID_RE, what="letters, digits, '.', '-' or '_'"),
        "name": Spec("str", True),
        "kind": Spec("str", True, choices=SYSTEM_KINDS),
        "description": Spec("str"),
    }
)
# The two blocks that map a control to requirements, and the role each gives its mappings.
MAPPING_BLOCKS: tuple[tuple[str, str], ...] = (("satisfies", PRIMARY), ("supports", SUPPORTING))
REF_FIELDS = Specs(
    {
        "id": Spec("str", True),
        "relationship": Spec("str", choices=RELATIONSHIPS),
        "rationale": Spec("str"),
    }
)
TOP_FIELDS = Specs(
    {
        "catalog": Spec("map", True),
        "frameworks": Spec("list"),
        "systems": Spec("list"),
        "controls": Spec("list"),
        "mappings": Spec("list"),
        "accounts": Spec("list"),
        "risks": Spec("list"),
        "retire": Spec("list"),
        "crosswalks": Spec("list"),
    }
)
TYPE_NAMES = {
    "str": "text",
    "int": "a whole number",
    "bool": "true or false",
    "list": "a list",
    "map": "a mapping",
}
