-- Drop the AM-GM state table of 0002 (issue 15): nothing writes it any more and nothing read it but
-- tests. The same telemetry is stored as ordinary metric rows (ratio/a0, ratio/g0, ratio/h0,
-- agm/iterations in metrics), which the charts and exports read. Rows older versions wrote go with it.
DROP TABLE agm_states;
