-- cdpo: the ingestion log, created before any workflow writes to it (spec §2.4, §5.10).
CREATE TABLE IF NOT EXISTS ${databases.src}.ingestion_log (
  log_id VARCHAR,
  source_name VARCHAR,
  workflow_name VARCHAR,
  table_name VARCHAR,
  status VARCHAR,
  start_time VARCHAR,
  end_time VARCHAR,
  records_processed BIGINT,
  error_message VARCHAR,
  job_id VARCHAR,
  job_url VARCHAR,
  time BIGINT
)
