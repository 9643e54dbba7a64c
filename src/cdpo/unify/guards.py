"""Guards against over-merging, beyond TD: blocked values, a hub guard and a component-size alarm.

TD's only defences are ``invalid_texts``/``valid_regexp`` and ``do_not_merge_key``
(td-apis-digdag-and-peers.md §D.5). Junk identifiers that glue strangers together are the most
common complaint about identity resolution (§E.3: QA ids, ``noreply@`` addresses, shared clinic
phones), so cdpo adds, per key type, blocked-value patterns offered as data (Segment's suggested
``^[0-]*$``, ``-1``, ``null``, ``anonymous``; ePADD's role addresses), a hub guard (a value linked to
more than ``hub_limit`` distinct values of one other key is not used to merge) and an alarm on
components larger than ``component_alarm`` ids. Everything excluded is listed in the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cdpo.unify.names import literal

__all__ = [
    "BLOCKED_VALUE_DEFAULTS",
    "ComponentAlarm",
    "ExcludedValue",
    "Guards",
    "blocked_patterns_for",
    "key_type_of",
]

_NULL_TOKENS = (
    r"^(null|none|nil|nan|n/?a|na|unknown|undefined|anonymous|void|test|abc123|-1|-|\.|\?)$"
)
# Patterns are matched case-insensitively against the value as extracted (regexp_matches(v, p, 'i')).
BLOCKED_VALUE_DEFAULTS: Mapping[str, tuple[str, ...]] = {
    "generic": (r"^\s*$", _NULL_TOKENS, r"^[0-]*$"),
    "email": (
        r"^(test|tester|testing|example|sample|dummy|fake)[0-9]*@",
        r"^(no-?reply|do-?not-?reply|donotreply|noreply)[^@]*@",
        r"^(info|admin|support|help|sales|contact|office|mail)@",
        r"@(example|test|invalid|localhost)(\.(com|org|net))?$",
        # Fillers typed at a till or a sign-up form to get past a required field.
        r"^(none|nobody|noemail|no-?email|nomail|na|null|unknown|declined?)@",
        r"@(none|noemail|no-?email|nomail|null|unknown)\.",
        r"^(a@a|x@x|xx@xx|xxx@xxx|abc@abc|asd@asd|asdf@asdf|qwerty@qwerty)\.",
        r"^[^@]*$",
    ),
    "phone": (
        r"^\+?(0+|1+|2+|3+|4+|5+|6+|7+|8+|9+)$",
        r"^\+?(0?123456789|1234567890|0123456789)$",
    ),
}
_KEY_TYPE_HINTS = {
    "email": ("email", "mail", "emailaddress"),
    "phone": ("phone", "tel", "mobile", "msisdn", "phonenumber"),
}


def key_type_of(key_name: str) -> str:
    """The blocked-value family of a key, from its name: ``email``, ``phone`` or ``generic``.

    Example:
        >>> key_type_of("mobile_phone"), key_type_of("hotel_id"), key_type_of("td_client_id")
        ('phone', 'generic', 'generic')
    """
    words = set(key_name.lower().split("_"))
    for kind, hints in _KEY_TYPE_HINTS.items():
        if words & set(hints):
            return kind
    return "generic"


def blocked_patterns_for(key_name: str) -> tuple[str, ...]:
    """Default blocked-value patterns of a key: the generic ones plus its family's."""
    kind = key_type_of(key_name)
    extra = BLOCKED_VALUE_DEFAULTS[kind] if kind != "generic" else ()
    return BLOCKED_VALUE_DEFAULTS["generic"] + extra


@dataclass(frozen=True)
class Guards:
    """Which guards run. ``Guards.off()`` reproduces TD exactly; the default is cdpo's.

    ``blocked_values``: per key name, the patterns to block; ``None`` uses
    ``blocked_patterns_for`` for every key, a mapping replaces them for the keys it names.
    ``hub_limit``: a value linked to more distinct values of one other key than this is excluded.
    ``component_alarm``: components with more ids than this are reported (not split).
    """

    blocked: bool = True
    blocked_values: Mapping[str, Sequence[str]] | None = None
    hub_limit: int | None = 100
    component_alarm: int | None = 1000

    @classmethod
    def off(cls) -> Guards:
        """No guard: TD's own rules only."""
        return cls(blocked=False, hub_limit=None, component_alarm=None)

    @classmethod
    def from_dict(cls, data: Mapping[str, object] | None) -> Guards:
        """Build from the ``guards`` mapping of a workflow_call body (cdpo's extension)."""
        if not data:
            return cls()
        allowed = {"blocked", "blocked_values", "hub_limit", "component_alarm"}
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown guard settings {sorted(unknown)}; valid: {sorted(allowed)}")
        return cls(**data)  # type: ignore[arg-type]

    def patterns(self, key_name: str) -> tuple[str, ...]:
        """The blocked patterns applied to ``key_name``."""
        if not self.blocked:
            return ()
        if self.blocked_values is not None and key_name in self.blocked_values:
            return tuple(self.blocked_values[key_name])
        return blocked_patterns_for(key_name)

    def blocked_sql(self, key_name: str, value_sql: str) -> str:
        """SQL giving the first matching pattern's text, or NULL when ``value_sql`` is not blocked.

        One combined regex screens every value; the per-pattern tests run only on the few values
        it matches, to name the pattern that blocked them.
        """
        patterns = self.patterns(key_name)
        if not patterns:
            return "NULL"
        combined = "|".join(f"(?:{p})" for p in patterns)
        whens = " ".join(
            f"WHEN regexp_matches({value_sql}, {literal(p)}, 'i') THEN {literal(p)}"
            for p in patterns
        )
        return f"CASE WHEN regexp_matches({value_sql}, {literal(combined)}, 'i') THEN CASE {whens} END END"


@dataclass(frozen=True)
class ExcludedValue:
    """A key value kept out of merging: why (``blocked`` or ``hub``), how many rows carried it."""

    key: str
    value: str
    reason: str
    rows: int
    detail: str = ""


@dataclass(frozen=True)
class ComponentAlarm:
    """A profile larger than ``Guards.component_alarm`` ids: its id, size and ids per key."""

    profile_id: str
    size: int
    ids_per_key: Mapping[str, int] = field(default_factory=dict)
