-- Treasure Data's UDFs and the Presto functions DuckDB lacks, as DuckDB macros.
-- Installed by cdpo.sql.functions.install_td_functions; every statement is idempotent.
-- Semantics follow TD's documentation of its time UDFs (reference §D.6):
-- https://docs.treasuredata.com/articles/#!pd/treasure-data-supported-functions-and-operators
-- Times are unix seconds (BIGINT). A "local" value is a naive TIMESTAMP on the wall clock of a zone.
-- Helpers start with td__ and are not part of TD's surface.

-- ---------------------------------------------------------------- time zones and parsing
CREATE OR REPLACE MACRO td__local(t, tz) AS timezone(tz, to_timestamp(t));
CREATE OR REPLACE MACRO td__unix(local_ts, tz) AS
  CAST(floor(epoch(timezone(tz, local_ts))) AS BIGINT);
-- Zone name after a space at the end of a time string ('2021-01-01 JST'), or NULL.
CREATE OR REPLACE MACRO td__suffix_zone(s) AS
  nullif(regexp_extract(s, '\s([A-Za-z][A-Za-z0-9_/+-]*)$', 1), '');
-- A time string to unix seconds, NULL when it is not one. Strings that carry their own zone
-- (an offset, 'Z', or a zone name suffix) ignore tz, as TD's parser does.
CREATE OR REPLACE MACRO td__parse(s, tz) AS (
  CASE
    WHEN s IS NULL THEN NULL
    WHEN regexp_full_match(trim(s), '-?[0-9]+') THEN TRY_CAST(trim(s) AS BIGINT)
    WHEN regexp_matches(trim(s), '[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?\s*(Z|[+-][0-9]{2}(:?[0-9]{2})?)$')
      THEN CAST(floor(epoch(TRY_CAST(trim(s) AS TIMESTAMPTZ))) AS BIGINT)
    WHEN td__suffix_zone(trim(s)) IS NOT NULL
      THEN td__unix(TRY_CAST(regexp_replace(trim(s), '\s[A-Za-z][A-Za-z0-9_/+-]*$', '') AS TIMESTAMP),
                    td__suffix_zone(trim(s)))
    ELSE td__unix(TRY_CAST(trim(s) AS TIMESTAMP), tz)
  END);
-- Like td__parse, but a string that is not a time raises, naming the function.
CREATE OR REPLACE MACRO td__strict(b, tz, fn) AS (
  CASE
    WHEN b IS NULL THEN NULL
    WHEN td__parse(CAST(b AS VARCHAR), tz) IS NULL
      THEN error(fn || ': cannot read ''' || CAST(b AS VARCHAR) ||
                 ''' as a time; use unix seconds, ''yyyy-MM-dd'' or ''yyyy-MM-dd HH:mm:ss''')
    ELSE td__parse(CAST(b AS VARCHAR), tz)
  END);

-- ---------------------------------------------------------------- TD_TIME_RANGE
-- start <= time < end; NULL start = unbounded past, NULL or missing end = unbounded future.
CREATE OR REPLACE MACRO td__range(t, s, e, tz) AS
  (s IS NULL OR t >= td__strict(s, tz, 'TD_TIME_RANGE'))
  AND (e IS NULL OR t < td__strict(e, tz, 'TD_TIME_RANGE'));
CREATE OR REPLACE MACRO td_time_range(t, s) AS td__range(t, s, NULL, 'UTC'),
  (t, s, e) AS td__range(t, s, e, 'UTC'),
  (t, s, e, tz) AS td__range(t, s, e, coalesce(tz, 'UTC'));

-- ---------------------------------------------------------------- TD_TIME_PARSE
CREATE OR REPLACE MACRO td_time_parse(s) AS td__parse(CAST(s AS VARCHAR), 'UTC'),
  (s, tz) AS td__parse(CAST(s AS VARCHAR), coalesce(tz, 'UTC'));

-- ---------------------------------------------------------------- TD_TIME_FORMAT
-- Java SimpleDateFormat patterns; the translator turns literal patterns into strftime.
CREATE OR REPLACE MACRO td_time_format(t, f) AS td__format_java(t, f, 'UTC'),
  (t, f, tz) AS td__format_java(t, f, coalesce(tz, 'UTC'));

-- ---------------------------------------------------------------- TD_TIME_ADD
-- Durations are [-]N followed by w, d, h, m or s; TD supports no months or years here.
CREATE OR REPLACE MACRO td__duration(d) AS (
  CASE
    WHEN d IS NULL THEN NULL
    WHEN regexp_full_match(d, '[+-]?[0-9]+[wdhms]')
      THEN CAST(left(d, -1) AS BIGINT) * CASE right(d, 1)
        WHEN 'w' THEN 604800 WHEN 'd' THEN 86400 WHEN 'h' THEN 3600 WHEN 'm' THEN 60 ELSE 1 END
    ELSE error('TD_TIME_ADD: invalid duration ''' || d ||
               '''; use [-]N with a unit of w, d, h, m or s, e.g. ''-1d'' or ''30m''')
  END);
CREATE OR REPLACE MACRO td__time_add(t, d, tz) AS
  td__strict(t, tz, 'TD_TIME_ADD') + td__duration(CAST(d AS VARCHAR));
CREATE OR REPLACE MACRO td_time_add(t, d) AS td__time_add(t, d, 'UTC'),
  (t, d, tz) AS td__time_add(t, d, coalesce(tz, 'UTC'));

-- ---------------------------------------------------------------- TD_DATE_TRUNC
-- Units: second, minute, hour, day, week (starts Monday), month, quarter, year.
CREATE OR REPLACE MACRO td__date_trunc(u, t, tz) AS
  td__unix(date_trunc(lower(u), td__local(t, tz)), tz);
CREATE OR REPLACE MACRO td_date_trunc(u, t) AS td__date_trunc(u, t, 'UTC'),
  (u, t, tz) AS td__date_trunc(u, t, coalesce(tz, 'UTC'));

-- ---------------------------------------------------------------- TD_SCHEDULED_TIME
-- The session time of the workflow (set by install_td_functions), else the time of the query.
CREATE OR REPLACE MACRO td_scheduled_time() AS coalesce(
  TRY_CAST(getvariable('td_scheduled_time') AS BIGINT),
  CAST(floor(epoch(get_current_timestamp())) AS BIGINT));

-- ---------------------------------------------------------------- TD_TIME_STRING
-- 'y!' 'q!' 'M!' 'w!' 'd!' 'h!' 'm!' 's!' print the truncated time in short form; the same codes
-- without '!' print the truncated time as 'yyyy-MM-dd HH:mm:ss' followed by its offset '+0900'.
CREATE OR REPLACE MACRO td__offset(local_ts, tz) AS (
  WITH o AS (SELECT CAST(epoch(local_ts) - epoch(timezone(tz, local_ts)) AS BIGINT) AS s)
  SELECT CASE WHEN s < 0 THEN '-' ELSE '+' END
         || lpad(CAST(abs(s) // 3600 AS VARCHAR), 2, '0')
         || lpad(CAST((abs(s) % 3600) // 60 AS VARCHAR), 2, '0') FROM o);
CREATE OR REPLACE MACRO td__unit(code) AS CASE left(code, 1)
  WHEN 'y' THEN 'year' WHEN 'q' THEN 'quarter' WHEN 'M' THEN 'month' WHEN 'w' THEN 'week'
  WHEN 'd' THEN 'day' WHEN 'h' THEN 'hour' WHEN 'm' THEN 'minute' WHEN 's' THEN 'second' END;
CREATE OR REPLACE MACRO td__time_string(t, code, tz) AS (
  WITH l AS (SELECT date_trunc(td__unit(code), td__local(t, tz)) AS ts)
  SELECT CASE
    WHEN t IS NULL THEN NULL
    WHEN code IN ('y!') THEN strftime(ts, '%Y')
    WHEN code IN ('q!', 'M!') THEN strftime(ts, '%Y-%m')
    WHEN code IN ('w!', 'd!') THEN strftime(ts, '%Y-%m-%d')
    WHEN code = 'h!' THEN strftime(ts, '%Y-%m-%d %H')
    WHEN code = 'm!' THEN strftime(ts, '%Y-%m-%d %H:%M')
    WHEN code = 's!' THEN strftime(ts, '%Y-%m-%d %H:%M:%S')
    WHEN code IN ('y', 'q', 'M', 'w', 'd', 'h', 'm', 's')
      THEN strftime(ts, '%Y-%m-%d %H:%M:%S') || td__offset(ts, tz)
    ELSE error('TD_TIME_STRING: invalid format ''' || code ||
               '''; use one of y q M w d h m s, optionally followed by !')
  END FROM l);
CREATE OR REPLACE MACRO td_time_string(t, code) AS td__time_string(t, code, 'UTC'),
  (t, code, tz) AS td__time_string(t, code, coalesce(tz, 'UTC'));

-- ---------------------------------------------------------------- TD_INTERVAL
-- 'N<unit>[/offset]' with unit s m h d w M q y; the range is anchored on TD_SCHEDULED_TIME()
-- truncated to the unit: '-1d' is yesterday, '1d' today, '-1M' last month, '0M/now' month to date.
-- The offset moves the anchor: a relative duration ('-7d', truncated to its own unit), 'now'
-- (the untruncated scheduled time, which also ends the range), or a date ('2025-10-01').
CREATE OR REPLACE MACRO td__iunit(u) AS CASE u
  WHEN 's' THEN 'second' WHEN 'm' THEN 'minute' WHEN 'h' THEN 'hour' WHEN 'd' THEN 'day'
  WHEN 'w' THEN 'week' WHEN 'M' THEN 'month' WHEN 'q' THEN 'quarter' WHEN 'y' THEN 'year' END;
CREATE OR REPLACE MACRO td__iadd(ts, n, u) AS CASE u
  WHEN 's' THEN ts + to_seconds(n) WHEN 'm' THEN ts + to_minutes(n) WHEN 'h' THEN ts + to_hours(n)
  WHEN 'd' THEN ts + to_days(n) WHEN 'w' THEN ts + to_weeks(n) WHEN 'M' THEN ts + to_months(n)
  WHEN 'q' THEN ts + to_months(3 * n) WHEN 'y' THEN ts + to_years(n) END;
CREATE OR REPLACE MACRO td__interval(s, tz) AS (
  WITH p AS (
    SELECT regexp_extract(s, '^([+-]?[0-9]+)([smhdwMqy])(/(.+))?$', ['n', 'u', 'x', 'o']) AS m
  ), q AS (
    SELECT CASE WHEN m.u = '' THEN error('TD_INTERVAL: invalid interval ''' || s ||
                  '''; use [-]N with a unit of s m h d w M q y and an optional /offset, e.g. ''-1d'' or ''-7d/now''')
                ELSE CAST(m.n AS BIGINT) END AS n,
           m.u AS u, nullif(m.o, '') AS o,
           regexp_extract(coalesce(m.o, ''), '^([+-]?[0-9]+)([smhdwMqy])$', ['n', 'u']) AS r,
           td__local(td_scheduled_time(), tz) AS now FROM p
  ), b AS (
    SELECT n, u, o, CASE
      WHEN o IS NULL OR o = 'now' THEN now
      WHEN r.u <> '' THEN td__iadd(date_trunc(td__iunit(r.u), now), CAST(r.n AS BIGINT), r.u)
      ELSE td__local(td__strict(o, tz, 'TD_INTERVAL'), tz) END AS base FROM q
  ), t AS (SELECT *, date_trunc(td__iunit(u), base) AS top FROM b)
  SELECT {'start': td__unix(CASE WHEN n < 0 THEN td__iadd(top, n, u) ELSE top END, tz),
          'end': td__unix(CASE WHEN n > 0 THEN td__iadd(top, n, u)
                               WHEN n = 0 OR o = 'now' THEN base ELSE top END, tz)} FROM t);
CREATE OR REPLACE MACRO td__in_interval(t, r) AS t >= r.start AND t < r['end'];
CREATE OR REPLACE MACRO td_interval(t, s) AS td__in_interval(t, td__interval(s, 'UTC')),
  (t, s, tz) AS td__in_interval(t, td__interval(s, coalesce(tz, 'UTC')));
CREATE OR REPLACE MACRO td_interval_range(s) AS td__interval(s, 'UTC'),
  (s, tz) AS td__interval(s, coalesce(tz, 'UTC'));

-- ---------------------------------------------------------------- TD_LAST / TD_FIRST
-- The value of v on the row with the largest (smallest) t: aggregates.
-- The value is taken even when it is NULL (arg_max would skip the row).
CREATE OR REPLACE MACRO td_last(v, t) AS arg_max_null(v, t);
CREATE OR REPLACE MACRO td_first(v, t) AS arg_min_null(v, t);

-- ---------------------------------------------------------------- TD_SESSIONIZE_WINDOW helper
-- Number of gaps longer than the timeout in a partition's ordered times up to the current row;
-- the translator turns TD_SESSIONIZE_WINDOW(t, n) OVER (...) into a hash of this number.
CREATE OR REPLACE MACRO td__session_no(l, n) AS
  len(list_filter(range(2, len(l) + 1), lambda i: l[i] - l[i - 1] > n));

-- ---------------------------------------------------------------- Presto functions DuckDB lacks
-- to_iso8601: dates as yyyy-MM-dd; timestamps with milliseconds, and 'Z' when they carry a zone
-- (a DuckDB TIMESTAMPTZ is an instant, printed in UTC).
CREATE OR REPLACE MACRO to_iso8601(x) AS CASE
  WHEN typeof(x) = 'DATE' THEN strftime(CAST(x AS DATE), '%Y-%m-%d')
  WHEN typeof(x) = 'TIMESTAMP WITH TIME ZONE'
    THEN strftime(CAST(x AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%g') || 'Z'
  ELSE strftime(CAST(x AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%g') END;
-- url_extract_*: RFC 3986 parts of a URL; NULL when the part is absent, as in Presto.
CREATE OR REPLACE MACRO url_extract_protocol(u) AS
  nullif(regexp_extract(u, '^([A-Za-z][A-Za-z0-9+.-]*):', 1), '');
CREATE OR REPLACE MACRO url_extract_host(u) AS
  nullif(regexp_extract(u, '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?([^:/?#]*)', 1), '');
CREATE OR REPLACE MACRO url_extract_path(u) AS
  regexp_extract(u, '^(?:[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*)?([^?#]*)', 1);
CREATE OR REPLACE MACRO url_extract_query(u) AS nullif(regexp_extract(u, '\?([^#]*)', 1), '');
CREATE OR REPLACE MACRO url_extract_parameter(u, name) AS CASE
  WHEN regexp_matches(u, '[?&]' || name || '=') THEN url_decode(regexp_extract(
    regexp_extract(u, '\?([^#]*)', 1), '(?:^|&)' || name || '=([^&]*)', 1)) END;
