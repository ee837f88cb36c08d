"""`fame evaluate`: explanation methods compared by face deletion / insertion over a list of pairs, and
`fame evaluate-classification`: on photographs by localisation and faithfulness (Qt-free).

    config.py     what an evaluation computes (model, methods and their parameters, map settings,
                  percentages, thresholds): compared on a rerun, stamped on every row by its id
    pair.py       score_pair / evaluate_pair(pair, config, models) -> row: one pair, self-contained
    rows.py       rows as JSON lines: appended one per pair, read back from the main file and shards
    summary.py    rows -> accuracy over P at each set's clean EER threshold, normalised areas
    tables.py     the paper's Tab. 2 layout (methods × sets, Delete ↓ / Insert ↑, best in bold)
    figure.py     the accuracy curves as a PNG
    run.py        the resumable loop the CLI drives (phases, skipping done pairs, outputs)
    ray_engine.py --engine ray for both: the items (a PairJob's pairs, an ImageJob's images) on a
                  pool of Ray actors, each loading the models once (`job.load(device)`); the driver
                  writes their rows to per-worker shard files `pairs-<worker>.jsonl` (or
                  `rows-<worker>.jsonl`), which a rerun reads with the main file and skips. Ray is
                  imported only there.

    classification.py          evaluate_image(image, sha, methods, job, models) -> rows: one image, every
                               method; run_classification: the resumable loop (either engine)
    classification_outputs.py  per_image.csv, table.csv / .md, summary.json, figure.png from the rows
    folder.py                  config.json + rows.jsonl (+ shards): a folder resumed by the same configuration
"""
