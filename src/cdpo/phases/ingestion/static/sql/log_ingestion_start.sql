-- cdpo: a STARTED row for one table (or one monthly batch: source_name = '<source>_<YYYY-MM>').
INSERT INTO ${databases.src}.ingestion_log
  (log_id, source_name, workflow_name, table_name, status, start_time, end_time,
   records_processed, error_message, job_id, job_url, time)
SELECT
  concat('${source_name}_${table_name}_', CAST(current_timestamp AS VARCHAR)),
  '${source_name}',
  '${workflow_name}',
  '${table_name}',
  'STARTED',
  CAST(current_timestamp AS VARCHAR),
  CAST(NULL AS VARCHAR),
  CAST(0 AS BIGINT),
  CAST(NULL AS VARCHAR),
  CAST(NULL AS VARCHAR),
  CAST(NULL AS VARCHAR),
  CAST(floor(to_unixtime(current_timestamp)) AS BIGINT)
