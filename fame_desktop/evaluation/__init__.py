"""`fame evaluate`: explanation methods compared by face deletion / insertion over a list of pairs (Qt-free).

    config.py     what an evaluation computes (model, methods and their parameters, map settings,
                  percentages, thresholds): compared on a rerun, stamped on every row by its id
    pair.py       score_pair / evaluate_pair(pair, config, models) -> row: one pair, self-contained
    rows.py       rows as JSON lines: appended one per pair, read back from the main file and shards
    summary.py    rows -> accuracy over P at each set's clean EER threshold, normalised areas
    tables.py     the paper's Tab. 2 layout (methods × sets, Delete ↓ / Insert ↑, best in bold)
    figure.py     the accuracy curves as a PNG
    run.py        the resumable loop the CLI drives (phases, skipping done pairs, outputs)

A distributed engine (issue 17) runs `evaluate_pair` on workers, each with its own
`load_models(config)`, and writes the rows it gets to shard files `pairs-<name>.jsonl` in the
output folder; `read_rows` merges them with the main file, and `run_evaluation` skips the pairs
they hold.
"""
