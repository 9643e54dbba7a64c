-- cdpo: a SUCCESS row closing a historical load; no job of its own (every batch may have been
-- skipped), so records_processed sums what this table's monthly batches logged.
INSERT INTO ${databases.src}.ingestion_log
  (log_id, source_name, workflow_name, table_name, status, start_time, end_time,
   records_processed, error_message, job_id, job_url, time)
SELECT
  concat('${source_name}_${table_name}_', CAST(current_timestamp AS VARCHAR)),
  '${source_name}',
  '${workflow_name}',
  '${table_name}',
  'SUCCESS',
  CAST(NULL AS VARCHAR),
  CAST(NULL AS VARCHAR),
  CAST(COALESCE(SUM(records_processed), 0) AS BIGINT),
  CAST(NULL AS VARCHAR),
  CAST(NULL AS VARCHAR),
  CAST(NULL AS VARCHAR),
  CAST(floor(to_unixtime(current_timestamp)) AS BIGINT)
FROM ${databases.src}.ingestion_log
WHERE table_name = '${table_name}'
  AND workflow_name = '${workflow_name}'
  AND status = 'SUCCESS'
  AND source_name <> '${source_name}'
