-- cdpo: an ERROR row; the message is escaped so a quote in it cannot break the SQL (spec §4.24).
INSERT INTO ${databases.src}.ingestion_log
  (log_id, source_name, workflow_name, table_name, status, start_time, end_time,
   records_processed, error_message, job_id, job_url, time)
SELECT
  concat('${source_name}_${table_name}_', CAST(current_timestamp AS VARCHAR)),
  '${source_name}',
  '${workflow_name}',
  '${table_name}',
  'ERROR',
  CAST(NULL AS VARCHAR),
  CAST(current_timestamp AS VARCHAR),
  CAST(0 AS BIGINT),
  '${String(error.message).split("'").join("''").substring(0, 2000)}',
  CAST(NULL AS VARCHAR),
  CAST(NULL AS VARCHAR),
  CAST(floor(to_unixtime(current_timestamp)) AS BIGINT)
