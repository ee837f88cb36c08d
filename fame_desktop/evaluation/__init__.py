"""`fame evaluate`: explanation methods compared by face deletion / insertion over a list of pairs (Qt-free).

    config.py     what an evaluation computes (model, methods and their parameters, map settings,
                  percentages, thresholds): compared on a rerun, stamped on every row by its id
    pair.py       score_pair / evaluate_pair(pair, config, models) -> row: one pair, self-contained
    rows.py       rows as JSON lines: appended one per pair, read back from the main file and shards
    summary.py    rows -> accuracy over P at each set's clean EER threshold, normalised areas
    tables.py     the paper's Tab. 2 layout (methods × sets, Delete ↓ / Insert ↑, best in bold)
    figure.py     the accuracy curves as a PNG
    run.py        the resumable loop the CLI drives (phases, skipping done pairs, outputs)
    ray_engine.py --engine ray: the pairs on a pool of Ray actors, each loading the models once
                  (`load_models(config)`); the driver writes their rows to per-worker shard files
                  `pairs-<worker>.jsonl`, which `latest_rows` merges with the main file and
                  `run_evaluation` skips on a rerun. Ray is imported only there.
"""
