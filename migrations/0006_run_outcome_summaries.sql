-- Per-run outcome-input summaries (issue 11), written when a run ends, so the first Compare of ended
-- runs reads one row per run instead of 13 full series: `summary_json` holds what no request option
-- changes (off-policy means and run maxima of the 11 stability series, non-finite skip events,
-- QK-clipped step fraction, last greedy eval); the reward and entropy series, which smoothing, target,
-- final window and collapse threshold are applied to per request, are kept whole as little-endian
-- float64 arrays (steps, then values; NaN and infinities exact). Rows of runs ended before this
-- migration are written on first read. A row is only trusted while the run still has `steps_done`
-- steps and `last_event_id` as its newest event, and `format` is the one the code writes; else it is
-- rebuilt. Deleting the run deletes its row.
CREATE TABLE run_outcome_summaries (
  run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  format INTEGER NOT NULL,
  steps_done INTEGER NOT NULL,
  last_event_id INTEGER NOT NULL,
  summary_json TEXT NOT NULL,
  reward_series BLOB NOT NULL,
  entropy_series BLOB NOT NULL
) STRICT;
