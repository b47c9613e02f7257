-- Per-run outcome-input summaries (issue 11): what a comparison's outcomes need of an ended run that
-- no request option changes (off-policy means and run maxima of the 11 stability series, non-finite
-- skip events, QK-clipped step fraction, last greedy eval), written when the run ends, so Compare
-- reads one row instead of 11 full series per run. Rows of runs ended before this migration are
-- written on first read. A row is only trusted while the run still has `steps_done` steps and
-- `last_event_id` as its newest event, and `format` is the one the code writes; else it is rebuilt.
-- The reward and entropy series stay in metrics: smoothing, target and final window are per request.
CREATE TABLE run_outcome_summaries (
  run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  format INTEGER NOT NULL,
  steps_done INTEGER NOT NULL,
  last_event_id INTEGER NOT NULL,
  summary_json TEXT NOT NULL
) STRICT;
