-- Treasure Data's UDFs and the Presto functions DuckDB lacks, as DuckDB macros.
-- Installed by cdpo.sql.functions.install_td_functions as TEMP macros (they live with the
-- connection, so read-only warehouse files work and nothing is stored in them); idempotent.
-- Semantics follow TD's documentation of its time UDFs (reference §D.6):
-- https://docs.treasuredata.com/articles/#!pd/treasure-data-supported-functions-and-operators
-- Times are unix seconds (BIGINT). A "local" value is a naive TIMESTAMP on the wall clock of a zone.
-- Helpers start with td__; td__parse_time, td__parse_strict, td__format_java and
-- td__interval_start/end are Python functions (cdpo.sql.functions). DuckDB folds calls with
-- constant arguments, macros and Python functions alike, into constants before it scans.

-- ---------------------------------------------------------------- time zones and time arguments
CREATE OR REPLACE TEMP MACRO td__local(t, tz) AS timezone(tz, to_timestamp(t));
CREATE OR REPLACE TEMP MACRO td__unix(local_ts, tz) AS
  CAST(floor(epoch(timezone(tz, local_ts))) AS BIGINT);
-- A TD time argument: unix seconds as a number, or a time string read in tz (raises if it is not
-- one). typeof() is folded when the query is planned, so only one branch is ever bound to run.
CREATE OR REPLACE TEMP MACRO td__time(x, tz, fn) AS CASE
  WHEN typeof(x) IN ('TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT',
                     'USMALLINT', 'UINTEGER', 'UBIGINT', 'FLOAT', 'DOUBLE')
       OR typeof(x) LIKE 'DECIMAL%'
    THEN CAST(floor(TRY_CAST(x AS DOUBLE)) AS BIGINT)
  ELSE td__parse_strict(CAST(x AS VARCHAR), tz, fn) END;

-- ---------------------------------------------------------------- TD_TIME_RANGE
-- start <= time < end; NULL start = unbounded past, NULL or missing end = unbounded future.
CREATE OR REPLACE TEMP MACRO td__range(t, s, e, tz) AS
  t >= coalesce(td__time(s, tz, 'TD_TIME_RANGE'), -9223372036854775807)
  AND t < coalesce(td__time(e, tz, 'TD_TIME_RANGE'), 9223372036854775807);
CREATE OR REPLACE TEMP MACRO td_time_range(t, s) AS td__range(t, s, NULL, 'UTC'),
  (t, s, e) AS td__range(t, s, e, 'UTC'),
  (t, s, e, tz) AS td__range(t, s, e, coalesce(tz, 'UTC'));

-- ---------------------------------------------------------------- TD_TIME_PARSE
-- NULL when the string is not a time. The plain forms (a date, a date and time with or without
-- fractions, ' ' or 'T' between) are read in SQL (vectorised); the rest (zones, offsets) by
-- Python, which costs microseconds a row.
CREATE OR REPLACE TEMP MACRO td__parse(s, tz) AS CASE
  WHEN regexp_full_match(s, '[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?)?')
    THEN td__unix(TRY_CAST(s AS TIMESTAMP), tz)
  ELSE td__parse_time(s, tz) END;
CREATE OR REPLACE TEMP MACRO td_time_parse(s) AS td__parse(CAST(s AS VARCHAR), 'UTC'),
  (s, tz) AS td__parse(CAST(s AS VARCHAR), coalesce(tz, 'UTC'));

-- ---------------------------------------------------------------- TD_TIME_FORMAT
-- Java SimpleDateFormat patterns; the translator turns literal patterns into strftime.
CREATE OR REPLACE TEMP MACRO td_time_format(t, f) AS td__format_java(t, f, 'UTC'),
  (t, f, tz) AS td__format_java(t, f, coalesce(tz, 'UTC'));

-- ---------------------------------------------------------------- TD_TIME_ADD
-- Durations are [-]N followed by w, d, h, m or s; TD supports no months or years here.
CREATE OR REPLACE TEMP MACRO td__duration(d) AS CASE
  WHEN regexp_full_match(d, '[+-]?[0-9]+[wdhms]')
    THEN CAST(left(d, -1) AS BIGINT) * CASE right(d, 1)
      WHEN 'w' THEN 604800 WHEN 'd' THEN 86400 WHEN 'h' THEN 3600 WHEN 'm' THEN 60 ELSE 1 END
  WHEN d IS NOT NULL THEN error('TD_TIME_ADD: invalid duration ''' || d ||
    '''; use [-]N with a unit of w, d, h, m or s, e.g. ''-1d'' or ''30m''')
  END;
CREATE OR REPLACE TEMP MACRO td__time_add(t, d, tz) AS
  td__time(t, tz, 'TD_TIME_ADD') + td__duration(CAST(d AS VARCHAR));
CREATE OR REPLACE TEMP MACRO td_time_add(t, d) AS td__time_add(t, d, 'UTC'),
  (t, d, tz) AS td__time_add(t, d, coalesce(tz, 'UTC'));

-- ---------------------------------------------------------------- TD_DATE_TRUNC
-- Units: second, minute, hour, day, week (starts Monday), month, quarter, year.
CREATE OR REPLACE TEMP MACRO td__date_trunc(u, t, tz) AS
  td__unix(date_trunc(lower(u), td__local(t, tz)), tz);
CREATE OR REPLACE TEMP MACRO td_date_trunc(u, t) AS td__date_trunc(u, t, 'UTC'),
  (u, t, tz) AS td__date_trunc(u, t, coalesce(tz, 'UTC'));

-- ---------------------------------------------------------------- TD_SCHEDULED_TIME
-- The session time of the workflow (set by install_td_functions), else the time of the query.
CREATE OR REPLACE TEMP MACRO td_scheduled_time() AS coalesce(
  TRY_CAST(getvariable('td_scheduled_time') AS BIGINT),
  CAST(floor(epoch(get_current_timestamp())) AS BIGINT));

-- ---------------------------------------------------------------- TD_TIME_STRING
-- 'y!' 'q!' 'M!' 'w!' 'd!' 'h!' 'm!' 's!' print the truncated time in short form; the same codes
-- without '!' print the truncated time as 'yyyy-MM-dd HH:mm:ss' followed by its offset '+0900'.
CREATE OR REPLACE TEMP MACRO td__offset(seconds) AS
  CASE WHEN seconds < 0 THEN '-' ELSE '+' END
  || lpad(CAST(abs(seconds) // 3600 AS VARCHAR), 2, '0')
  || lpad(CAST(abs(seconds) % 3600 // 60 AS VARCHAR), 2, '0');
CREATE OR REPLACE TEMP MACRO td__long(local_ts, tz) AS strftime(local_ts, '%Y-%m-%d %H:%M:%S')
  || td__offset(CAST(epoch(local_ts) - epoch(timezone(tz, local_ts)) AS BIGINT));
CREATE OR REPLACE TEMP MACRO td__time_string(t, code, tz) AS CASE code
  WHEN 'y!' THEN strftime(td__local(t, tz), '%Y')
  WHEN 'q!' THEN strftime(date_trunc('quarter', td__local(t, tz)), '%Y-%m')
  WHEN 'M!' THEN strftime(td__local(t, tz), '%Y-%m')
  WHEN 'w!' THEN strftime(date_trunc('week', td__local(t, tz)), '%Y-%m-%d')
  WHEN 'd!' THEN strftime(td__local(t, tz), '%Y-%m-%d')
  WHEN 'h!' THEN strftime(td__local(t, tz), '%Y-%m-%d %H')
  WHEN 'm!' THEN strftime(td__local(t, tz), '%Y-%m-%d %H:%M')
  WHEN 's!' THEN strftime(td__local(t, tz), '%Y-%m-%d %H:%M:%S')
  WHEN 'y' THEN td__long(date_trunc('year', td__local(t, tz)), tz)
  WHEN 'q' THEN td__long(date_trunc('quarter', td__local(t, tz)), tz)
  WHEN 'M' THEN td__long(date_trunc('month', td__local(t, tz)), tz)
  WHEN 'w' THEN td__long(date_trunc('week', td__local(t, tz)), tz)
  WHEN 'd' THEN td__long(date_trunc('day', td__local(t, tz)), tz)
  WHEN 'h' THEN td__long(date_trunc('hour', td__local(t, tz)), tz)
  WHEN 'm' THEN td__long(date_trunc('minute', td__local(t, tz)), tz)
  WHEN 's' THEN td__long(date_trunc('second', td__local(t, tz)), tz)
  ELSE error('TD_TIME_STRING: invalid format ''' || code ||
             '''; use one of y q M w d h m s, optionally followed by !') END;
CREATE OR REPLACE TEMP MACRO td_time_string(t, code) AS td__time_string(t, code, 'UTC'),
  (t, code, tz) AS td__time_string(t, code, coalesce(tz, 'UTC'));

-- ---------------------------------------------------------------- TD_INTERVAL
-- 'N<unit>[/offset]' relative to TD_SCHEDULED_TIME(); the bounds come from Python
-- (cdpo.sql.interval), folded by DuckDB to two constants per query.
CREATE OR REPLACE TEMP MACRO td__in_interval(t, s, tz) AS
  t >= td__interval_start(s, tz, td_scheduled_time())
  AND t < td__interval_end(s, tz, td_scheduled_time());
CREATE OR REPLACE TEMP MACRO td_interval(t, s) AS td__in_interval(t, s, 'UTC'),
  (t, s, tz) AS td__in_interval(t, s, coalesce(tz, 'UTC'));
CREATE OR REPLACE TEMP MACRO td__interval_range(s, tz) AS {
  'start': td__interval_start(s, tz, td_scheduled_time()),
  'end': td__interval_end(s, tz, td_scheduled_time())};
CREATE OR REPLACE TEMP MACRO td_interval_range(s) AS td__interval_range(s, 'UTC'),
  (s, tz) AS td__interval_range(s, coalesce(tz, 'UTC'));

-- ---------------------------------------------------------------- TD_LAST / TD_FIRST
-- The value of v on the row with the largest (smallest) t: aggregates.
-- The value is taken even when it is NULL (arg_max would skip the row).
CREATE OR REPLACE TEMP MACRO td_last(v, t) AS arg_max_null(v, t);
CREATE OR REPLACE TEMP MACRO td_first(v, t) AS arg_min_null(v, t);

-- ---------------------------------------------------------------- TD_SESSIONIZE_WINDOW helper
-- Number of gaps longer than the timeout in a partition's ordered times up to the current row;
-- the translator turns TD_SESSIONIZE_WINDOW(t, n) OVER (...) into a hash of this number.
CREATE OR REPLACE TEMP MACRO td__session_no(l, n) AS
  len(list_filter(range(2, len(l) + 1), lambda i: l[i] - l[i - 1] > n));

-- ---------------------------------------------------------------- Presto functions DuckDB lacks
-- to_iso8601: dates as yyyy-MM-dd; timestamps with milliseconds, and 'Z' when they carry a zone
-- (a DuckDB TIMESTAMPTZ is an instant, printed in UTC).
CREATE OR REPLACE TEMP MACRO to_iso8601(x) AS CASE
  WHEN typeof(x) = 'DATE' THEN strftime(CAST(x AS DATE), '%Y-%m-%d')
  WHEN typeof(x) = 'TIMESTAMP WITH TIME ZONE'
    THEN strftime(CAST(x AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%g') || 'Z'
  ELSE strftime(CAST(x AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%g') END;
-- url_extract_*: RFC 3986 parts of a URL; NULL when the part is absent, as in Presto.
CREATE OR REPLACE TEMP MACRO url_extract_protocol(u) AS
  nullif(regexp_extract(u, '^([A-Za-z][A-Za-z0-9+.-]*):', 1), '');
CREATE OR REPLACE TEMP MACRO url_extract_host(u) AS
  nullif(regexp_extract(u, '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?([^:/?#]*)', 1), '');
CREATE OR REPLACE TEMP MACRO url_extract_path(u) AS
  regexp_extract(u, '^(?:[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*)?([^?#]*)', 1);
CREATE OR REPLACE TEMP MACRO url_extract_query(u) AS nullif(regexp_extract(u, '\?([^#]*)', 1), '');
CREATE OR REPLACE TEMP MACRO url_extract_parameter(u, name) AS CASE
  WHEN regexp_matches(u, '[?&]' || name || '=') THEN url_decode(regexp_extract(
    regexp_extract(u, '\?([^#]*)', 1), '(?:^|&)' || name || '=([^&]*)', 1)) END;
-- Arrays, maps and JSON: Presto's names and semantics (first occurrences kept, in order).
CREATE OR REPLACE TEMP MACRO td__array_distinct(l) AS
  list_filter(l, lambda x, i: coalesce(list_position(l, x), i) = i);
CREATE OR REPLACE TEMP MACRO array_union(a, b) AS td__array_distinct(list_concat(a, b));
CREATE OR REPLACE TEMP MACRO arrays_overlap(a, b) AS list_has_any(a, b);
CREATE OR REPLACE TEMP MACRO json_array_contains(j, v) AS
  list_contains(from_json(CAST(j AS JSON), '["VARCHAR"]'), CAST(v AS VARCHAR));
CREATE OR REPLACE TEMP MACRO str_to_map(s, entry_sep, kv_sep) AS map_from_entries(list_transform(
  string_split(s, entry_sep), lambda e: {'k': split_part(e, kv_sep, 1),
                                         'v': nullif(substr(e, length(split_part(e, kv_sep, 1)) + length(kv_sep) + 1), '')}));
-- Strings and numbers.
CREATE OR REPLACE TEMP MACRO codepoint(c) AS unicode(c);
CREATE OR REPLACE TEMP MACRO hamming_distance(a, b) AS hamming(a, b);
CREATE OR REPLACE TEMP MACRO nan() AS CAST('NaN' AS DOUBLE);
CREATE OR REPLACE TEMP MACRO infinity() AS CAST('Infinity' AS DOUBLE);
