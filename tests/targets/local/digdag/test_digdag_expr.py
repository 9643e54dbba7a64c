"""``${...}`` evaluation on V8 with the moment shim, Digdag's built-ins and schedules."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cdpo.errors import ConfigError
from cdpo.targets.local.digdag import Evaluator, builtin_params, parse_schedule
from cdpo.targets.local.digdag.expr import _plain_condition, _plain_reference
from cdpo.targets.local.digdag.loader import load_yaml

TOKYO = {"session_time": "2024-01-31T00:00:00+09:00", "timezone": "Asia/Tokyo"}


@pytest.fixture(scope="module")
def evaluator() -> Evaluator:
    return Evaluator()


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("${1 + 2}", "3"),
        ("${'a' + 'b'} c", "ab c"),
        ("${x.y[1]}", "2"),
        ("${x}", '{"y":[1,2]}'),
        ("${flag ? 'yes' : 'no'}", "yes"),
        ("${n > 2 && n < 5}", "true"),
        ("${JSON.stringify({k: '}'})}", '{"k":"}"}'),
        ("${missing_ok || 'd'}", "d"),
    ],
)
def test_javascript_values(evaluator: Evaluator, template: str, expected: str) -> None:
    params = {"x": {"y": [1, 2]}, "flag": True, "n": 3, "missing_ok": None}
    assert evaluator.render(template, params) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # moment() displays in UTC (TD's JVM zone): Tokyo midnight is 15:00 the day before.
        ("moment(session_time).format('YYYY-MM-DD HH:mm')", "2024-01-30 15:00"),
        (
            "moment(session_time).tz(timezone).format('YYYY-MM-DD HH:mm Z')",
            "2024-01-31 00:00 +09:00",
        ),
        ("moment(session_time).tz(timezone).add(1, 'months').format('YYYYMMDD')", "20240229"),
        (
            "moment(session_time).tz(timezone).subtract(1, 'days').format('YYYY-MM-DD')",
            "2024-01-30",
        ),
        ("moment(session_time).utc().startOf('month').format()", "2024-01-01T00:00:00+00:00"),
        ("moment(session_time).tz(timezone).endOf('day').format('HH:mm:ss.SSS')", "23:59:59.999"),
        ("moment(session_time).unix()", "1706626800"),
        ("moment.unix(0).utc().format('dddd, MMMM Do YYYY')", "Thursday, January 1st 1970"),
        ("moment('2024-03-10 01:30:00').format('X')", "1710034200"),
        (
            "moment.tz('2024-03-10 01:30', 'America/Los_Angeles').add(1, 'hours').format('HH:mm ZZ')",
            "03:30 -0700",
        ),
        ("moment('2024-02-01').diff(moment('2024-01-01'), 'days')", "31"),
        ("moment('2024-02-01').isAfter('2024-01-01')", "true"),
        ("moment(session_time).tz(timezone).format('[Q]Q YY')", "Q1 24"),
    ],
)
def test_moment_shim(evaluator: Evaluator, expression: str, expected: str) -> None:
    assert evaluator.eval_js(expression, TOKYO) == expected


_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["a", "b", "1", "10", "k_2", "$x", "é"]), inner, max_size=3
        )
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(
    params=st.dictionaries(st.sampled_from(["a", "b", "c_d"]), _JSON_VALUES, max_size=3),
    path=st.lists(st.sampled_from(["a", "b", "c_d", "1", "length"]), min_size=1, max_size=3),
)
def test_plain_references_print_what_javascript_prints(
    evaluator: Evaluator, params: dict, path: list[str]
) -> None:
    """References read in Python (no V8 round trip) must print exactly what V8 prints."""
    expression = ".".join(path)
    plain = _plain_reference(expression, params)
    if plain is None:
        return  # left to V8
    assert plain == evaluator.eval_js(expression, params)


_INT_ATOM = st.tuples(
    st.sampled_from(["a", "n.k"]),
    st.sampled_from(["==", "===", "!=", "!==", "<", "<=", ">", ">="]),
    st.sampled_from(["0", "1", "-3", "12"]),
)
_STR_ATOM = st.tuples(
    st.just("b"),
    st.sampled_from(["==", "===", "!=", "!=="]),
    st.sampled_from(["'full'", '"inc"', "'0'", "''", "'a b'"]),
)
_ODD_ATOM = st.tuples(  # coercions and unknowns, which must be left to V8
    st.sampled_from(["a", "b", "missing"]),
    st.sampled_from(["==", "<"]),
    st.sampled_from(["'0'", "0", "true"]),
)
_ATOM = (_INT_ATOM | _STR_ATOM | _ODD_ATOM).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(
    a=st.integers(-5, 15) | st.booleans() | st.none() | st.floats(-2, 2),
    b=st.sampled_from(["full", "inc", "0", "", "a b"]) | st.integers(0, 1),
    k=st.integers(-5, 15),
    atoms=st.lists(_ATOM, min_size=1, max_size=4),
    joins=st.lists(st.sampled_from([" || ", " && ", "||", "&&"]), min_size=3, max_size=3),
)
def test_plain_conditions_decide_what_javascript_decides(
    evaluator: Evaluator, a: object, b: object, k: int, atoms: list[str], joins: list[str]
) -> None:
    """Comparisons decided in Python (``if>: ${td.last_results.n == 0}``) must match V8."""
    params = {"a": a, "b": b, "n": {"k": k}}
    expression = atoms[0] + "".join(j + a for j, a in zip(joins, atoms[1:], strict=False))
    plain = _plain_condition(expression, params)
    if plain is None:
        return  # left to V8
    assert plain == evaluator.eval_js(expression, params)


def test_errors_are_config_errors_with_hints(evaluator: Evaluator) -> None:
    with pytest.raises(ConfigError, match="ReferenceError: sesion_date is not defined") as caught:
        evaluator.render("${sesion_date}", {"session_date": "x"})
    assert "Did you mean 'session_date'?" in str(caught.value)
    with pytest.raises(ConfigError, match="SyntaxError"):
        evaluator.render("${1 +}", {})
    with pytest.raises(ConfigError, match="unclosed"):
        evaluator.render("${1 + 1", {})
    with pytest.raises(ConfigError, match="moment: cannot parse"):
        evaluator.render("${moment('soon')}", {})


def test_secrets_resolve_through_the_callback() -> None:
    evaluator = Evaluator(secrets={"db.password": "s3cret"}.__getitem__)
    assert evaluator.render("pw=${secret:db.password}", {}) == "pw=s3cret"
    with pytest.raises(ConfigError, match="secret 'other' is not set"):
        evaluator.render("${secret:other}", {})


def test_builtin_variables_with_a_schedule() -> None:
    session = datetime(2016, 1, 30, tzinfo=ZoneInfo("America/Los_Angeles"))
    daily = parse_schedule({"daily>": "07:00:00"})
    params = builtin_params(session, "America/Los_Angeles", daily)
    assert params["session_time"] == "2016-01-30T00:00:00-08:00"
    assert params["session_date_compact"] == "20160130"
    assert params["session_local_time"] == "2016-01-30 00:00:00"
    assert params["session_tz_offset"] == "-0800"
    assert params["session_unixtime"] == 1454140800
    assert params["last_session_date"] == "2016-01-29"
    assert params["next_session_time"] == "2016-01-31T00:00:00-08:00"
    hourly = builtin_params(
        datetime(2016, 1, 30, 5, tzinfo=ZoneInfo("UTC")),
        "UTC",
        parse_schedule({"hourly>": "30:00"}),
    )
    assert hourly["last_session_local_time"] == "2016-01-30 04:00:00"  # start of the period
    assert "last_session_time" not in builtin_params(session, "UTC")


def test_loader_keeps_order_lines_and_digdag_scalars(tmp_path: Path) -> None:
    (tmp_path / "inc.yml").write_text("host: db\nport: 5432\n")
    (tmp_path / "wf.dig").write_text(
        "+b:\n  echo>: yes\n+a:\n  _export:\n    day: 2024-01-01\n    conn:\n      !include : 'inc.yml'\n  echo>: on\n"
    )
    document = load_yaml(tmp_path / "wf.dig")
    assert list(document) == ["+b", "+a"]
    assert document["+b"]["echo>"] == "yes"  # Digdag reads yes/on as strings
    assert document["+a"]["_export"]["day"] == "2024-01-01"
    assert document["+a"]["_export"]["conn"] == {"host": "db", "port": 5432}
    assert document.line_of("+a") == 3
    assert document["+a"]["_export"].line_of("conn") == 6
