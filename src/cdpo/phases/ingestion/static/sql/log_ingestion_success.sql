-- cdpo: a SUCCESS row after a td_load> job, with its window (start_time, end_time] and record count.
INSERT INTO ${databases.src}.ingestion_log
  (log_id, source_name, workflow_name, table_name, status, start_time, end_time,
   records_processed, error_message, job_id, job_url, time)
SELECT
  concat('${source_name}_${table_name}_', CAST(current_timestamp AS VARCHAR)),
  '${source_name}',
  '${workflow_name}',
  '${table_name}',
  'SUCCESS',
  '${start_time}',
  '${end_time}',
  CAST(${td.last_job.num_records} AS BIGINT),
  CAST(NULL AS VARCHAR),
  '${td.last_job.id}',
  'https://console.treasuredata.com/app/jobs/${td.last_job.id}/output-logs',
  CAST(floor(to_unixtime(current_timestamp)) AS BIGINT)
