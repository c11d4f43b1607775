"""Every string the schemas admit as a range operand on timestamp is read as the instant it names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import jsonschema_rs
from hypothesis import given
from hypothesis import strategies as st

import specs
from mockserver.query.instants import instants_in_bulk, read_instant, read_stamp, stamp_text

INSTANT = specs.schema("FilterCondition")["$defs"]["instant_operand"]
LOCAL_PATTERN = next(branch["pattern"] for branch in INSTANT["anyOf"] if "pattern" in branch)
ADMITS = jsonschema_rs.validator_for(INSTANT, validate_formats=True).is_valid
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda minutes: timezone(timedelta(minutes=minutes)))


@given(st.datetimes(timezones=offsets), st.booleans())
def test_rfc3339_date_times_read_as_their_instant(moment: datetime, lower: bool) -> None:
    text = moment.isoformat().replace("+00:00", "Z")
    text = text.lower() if lower else text
    assert ADMITS(text), text
    assert read_instant(text) == micros(moment)


@given(st.dates())
def test_dates_read_as_midnight_utc(day: object) -> None:
    text = str(day)
    assert ADMITS(text)
    assert read_instant(text) == micros(datetime.fromisoformat(text).replace(tzinfo=UTC))


@given(st.from_regex(LOCAL_PATTERN, fullmatch=True))
def test_every_local_date_time_the_pattern_admits_is_read_as_utc(text: str) -> None:
    assert ADMITS(text)
    assert read_instant(text) is not None


def test_rfc3339_edges_python_does_not_read_by_itself() -> None:
    assert read_instant("2016-12-31T23:59:60Z") == read_instant("2017-01-01T00:00:00Z")
    assert read_instant("0000-01-01") == micros(datetime(400, 1, 1, tzinfo=UTC)) - 146097 * 86_400_000_000
    assert ADMITS("0000-01-01") and ADMITS("2016-12-31T23:59:60Z")


def test_strings_the_schema_refuses() -> None:
    for text in ("yesterday", "2025-13-01", "2023-02-29T00:00", "2025-01-01 10:30", "2025-01-01T24:00"):
        assert not ADMITS(text), text


@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)))
def test_the_servers_own_form_reads_as_every_other_spelling_of_it(moment: datetime) -> None:
    # 2026-01-15T10:30:00.123456Z is read by a fast path; lower case takes the general one.
    text = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ").rjust(27, "0")
    assert read_instant(text) == read_instant(text.lower()) == micros(moment.replace(tzinfo=UTC))


@given(st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-5][0-9]:[0-5][0-9]\.[0-9]{6}Z\Z"))
def test_digits_in_the_servers_form_that_name_no_day_read_as_no_instant(text: str) -> None:
    assert read_instant(text) == read_instant(text.lower())


@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59, 999999)))
def test_the_text_this_server_writes_reads_back_as_itself(moment: datetime) -> None:
    text = stamp_text(micros(moment.replace(tzinfo=UTC)))
    assert text is not None and read_stamp(text) == (micros(moment.replace(tzinfo=UTC)), True)


@given(st.text(alphabet="0123456789-T:.Z+z٣ ", min_size=20, max_size=32) | st.datetimes().map(str))
def test_a_text_is_called_the_written_one_only_if_it_is(text: str) -> None:
    """``stamped`` means the text need not be kept: it must be exactly what stamp_text gives back."""
    instant, stamped = read_stamp(text)
    assert instant == read_instant(text)
    if stamped:
        assert instant is not None and stamp_text(instant) == text


def test_other_digits_and_other_forms_are_not_the_written_text() -> None:
    assert read_stamp("2026-01-15T10:30:00.123456Z")[1]
    assert not read_stamp("2026-01-15T10:30:00.123456z")[1]  # the same instant, another text
    assert not read_stamp("2026-01-15T10:30:00.123456+00:00")[1]
    assert not read_stamp("٢٠٢٦-01-15T10:30:00.123456Z")[1]  # Arabic-Indic digits
    assert stamp_text(2**62) is None  # past year 9999


_STAMP_LIKE = st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z\Z")


@given(
    st.lists(
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(
            lambda moment: moment.isoformat(timespec="microseconds") + "Z"
        )
        | _STAMP_LIKE
        | st.text(max_size=30)
        | st.none()
        | st.integers(),
        max_size=40,
    )
)
def test_instants_read_in_bulk_are_those_read_one_by_one(values: list[object]) -> None:
    """Texts of the server's own form are read in numpy; every value reads as ``read_instant`` reads it."""
    one_by_one = [read_instant(v) if isinstance(v, str) else None for v in values]
    assert instants_in_bulk(values, -1).tolist() == [-1 if instant is None else instant for instant in one_by_one]
