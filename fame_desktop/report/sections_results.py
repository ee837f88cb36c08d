"""Report sections: results (score, parameters, per-map runs), the maps, notes and the audit log."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, Spacer

from . import figures, text
from .layout import FRAME_WIDTH, MONO, grid_table, kv_table, layout_table, markup, mono, para, picture
from .sections_front import threshold_text


def results(facts: dict) -> list:
    if facts["method"]["key"] != "fame":
        return _method_results(facts)
    f, m, d = (facts["parameters"][k] for k in ("fame", "maps", "display"))
    params = grid_table(["Parameter", "Value", "Meaning"], [
        ["Preset", text.preset(f), "fast: adaptive stopping; reference: 500 iterations for every map; "
                                  "reference (continued from fast): a fast result refined to 500 iterations, "
                                  "equal to reference up to float rounding"],
        ["Step size η", text.step_size(f), "change per iteration, in [0, 1] pixel units, divided by the "
                                           "largest gradient of each map"],
        ["Iterations T (most)", f["iterations"], "upper limit per map"],
        ["Early stopping ε", f"{f['epsilon']:g}" + (" (off)" if f["epsilon"] == 0 else ""),
         "a map stops once its loss is below ε; 0 = off"],
        ["Adaptive stopping", text.adaptive_stopping(f), text.ADAPTIVE_MEANING],
        ["Clamp to [0, 1]", text.yes_no(f["clamp"]), "keep the perturbed image in the valid pixel range"],
        ["detach_norms", text.yes_no(f["detach_norms"]),
         "cosine norms excluded from the gradient (paper footnote)" if f["detach_norms"]
         else "cosine norms differentiated (reference implementation)"],
        ["Losses", "e+: L = s;  e−: L = 1 − s", "s = cosine with the other face's embedding, held fixed"],
        ["Grey of Δx", m.get("grey", "luma of the photograph"),
         "luma of the photograph, or the luma weights in the model's channel order as the reference implementation"],
        ["Blur", m["blur"], "Gaussian smoothing of |gray(Δx)| ÷ its maximum"],
        ["Normalisation", m["normalisation"], "min-max to [0, 1] (reference) or ÷ maximum (paper)"],
        ["Overlay", f"{d['colour_map']}, opacity {d['opacity']:g}", "display only; does not change the maps"],
    ], [34 * mm, 44 * mm, FRAME_WIDTH - 78 * mm])
    runs = grid_table(["Map", "Iterations run", "Stop reason", "Loss start → end", "s at end", "max |Δx|",
                       "vs Reference (est.)"], [
        [text.map_name(k), r["iterations"], text.STOP_REASONS.get(r["stop_reason"], r["stop_reason"]),
         f"{text.num(r['initial_loss'])} → {text.num(r['final_loss'])}", text.num(r["final_similarity"]),
         f"{r['raw_delta_max_abs']:.4f}" + (" (empty map)" if r["empty"] else ""), text.agreement(r.get("agreement"))]
        for k, r in facts["maps"].items()
    ], [32 * mm, 18 * mm, 30 * mm, 32 * mm, 16 * mm, 20 * mm, FRAME_WIDTH - 148 * mm])
    note = text.agreement_note(facts["maps"])
    hashes = kv_table([(f"raw/{k}.npy", mono(facts["maps"][k]["raw_npy_sha256"])) for k in facts["maps"]],
                      label_width=52 * mm)
    return [
        CondPageBreak(110 * mm), para("Results", "h1"),
        kv_table([("Similarity score", f"{facts['similarity']:.6f} (cosine)"), ("Threshold", threshold_text(facts)),
                  ("FAME run time", f"{facts['fame_run']['elapsed_s']:.1f} s on {facts['device']}"),
                  ("Inputs of the run", mono(facts["fame_run"]["input_snapshot"]["sha256"]))]),
        para("Inputs of the run: SHA-256 of the record taken when FAME started (files, chosen faces, landmarks, "
             "crops, model, parameters; in the exports' manifest.json). The result was accepted because this "
             "record matched the inputs named in this report.", "caption"),
        para("FAME parameters", "h2"), params,
        para("Iterations per map", "h2"), runs,
        para("s: the similarity after the optimisation (e+ lowers it, e− raises it). Δx = x̄ − x: the accumulated "
             "change of the crop, in [0, 1] pixel units.", "caption"),
        *([para(note, "caption")] if note else []),
        CondPageBreak(45 * mm), para("Raw Δx (SHA-256 of the exported float32 .npy files)", "h2"), hashes,
        CondPageBreak(30 * mm), para("Repeating the analysis", "h2"),
        para("From the original files (SHA-256 above), with the same model and parameters:", "body"),
        mono(text.command_line(facts)),
    ]


def _method_results(facts: dict) -> list:
    """Results of a face pair explained by another method than FAME: its own parameters, steps and raw output."""
    method, m, d = facts["method"], facts["parameters"]["maps"], facts["parameters"]["display"]
    rows = [[k.replace("_", " "), str(v)] for k, v in facts["parameters"][method["key"]].items()]
    blur = m["blur"] if method.get("blurs", True) else "the method's own (the user's blur is not applied)"
    rows += [["Blur", blur], ["Normalisation", m["normalisation"]],
             ["Overlay", f"{d['colour_map']}, opacity {d['opacity']:g}"]]
    params = grid_table(["Parameter", "Value"], rows, [50 * mm, FRAME_WIDTH - 50 * mm])
    runs = grid_table(["Map", "Passes / steps", "Stop reason"], [
        [text.map_name(k), r["iterations"], text.STOP_REASONS.get(r["stop_reason"], r["stop_reason"])]
        for k, r in facts["maps"].items()], [50 * mm, 40 * mm, FRAME_WIDTH - 90 * mm])
    hashes = kv_table([(f"raw/{k}.npy", mono(facts["maps"][k]["raw_npy_sha256"])) for k in facts["maps"]],
                      label_width=46 * mm)
    return [
        CondPageBreak(110 * mm), para("Results", "h1"),
        kv_table([("Similarity score", f"{facts['similarity']:.6f} (cosine)"), ("Threshold", threshold_text(facts)),
                  ("Method", f"{method['title']} ({method['kind']})"),
                  (f"{method['title']} run time", f"{facts['fame_run']['elapsed_s']:.1f} s on {facts['device']}"),
                  ("Inputs of the run", mono(facts["fame_run"]["input_snapshot"]["sha256"]))]),
        para(method["description"], "caption"),
        para(f"{method['title']} parameters", "h2"), params,
        para("Maps", "h2"), runs,
        CondPageBreak(45 * mm), para("Raw output (SHA-256 of the exported float32 .npy files)", "h2"), hashes,
        CondPageBreak(30 * mm), para("Repeating the analysis", "h2"),
        para("From the original files (SHA-256 above), with the same model and the method's default parameters "
             "(the command line sets FAME's only):", "body"),
        mono(text.command_line(facts)),
    ]


KIND_LABEL = {"similar": "e+ similar", "dissimilar": "e− dissimilar"}


def map_caption(r: dict):
    reason = text.STOP_REASONS.get(r["stop_reason"], r["stop_reason"])
    if r["empty"]:
        return markup(f"<b>empty map</b>: {r['iterations']} iterations ({reason})", "centre")
    if r.get("agreement"):  # a Fast map: how close it is estimated to be to the Reference map
        return para(f"{r['iterations']} iterations ({reason}); vs Reference {text.agreement(r['agreement'])}", "centre")
    return para(f"{r['iterations']} iterations ({reason})", "centre")


def _bar(cmap: str) -> list:
    return layout_table([[para("1 (high)", "centre")],
                         [picture(figures.colour_bar_image(cmap), height=36 * mm)],
                         [para("0 (low)", "centre")]], [18 * mm], pad=1)


def maps(session, facts: dict) -> list:
    cmap, alpha = facts["parameters"]["display"]["colour_map"], facts["parameters"]["display"]["opacity"]
    maps_ = session.result().maps(session.map_settings)
    size = 42 * mm
    rows = [[para("", "caption"), para("Aligned crop", "colhead"), para("e+ similar", "colhead"),
             para("e− dissimilar", "colhead"), para("", "caption")]]
    for role in ("gallery", "probe"):
        crop = session.inputs[role].model_input
        cells = [para(text.SIDE_NAMES[role], "cellb"), [picture(figures.enlarge(crop, 4), width=size)]]
        for kind in ("similar", "dissimilar"):
            key = f"{role}_{kind}"
            cells.append([picture(figures.crop_overlay(crop, maps_[key], cmap, alpha), width=size),
                          map_caption(facts["maps"][key])] if key in maps_
                         else para("not made by this method", "caption"))
        cells.append(_bar(cmap))
        rows.append(cells)
    grid = layout_table(rows, [16 * mm, size + 4 * mm, size + 4 * mm, size + 4 * mm, 20 * mm])
    out = [
        CondPageBreak(140 * mm), para("Attribution maps", "h1"),
        para(("e+ (similar) marks the pixels FAME changed most while lowering the similarity: what the model "
              "relies on for the match. e− (dissimilar) marks the pixels changed most while raising it: what "
              "speaks against the match for the model." if facts["method"]["key"] == "fame" else
              f"{facts['method']['title']}: e+ (similar) marks what supports the match for the model, e− "
              "(dissimilar) what speaks against it; a method with one map per face explains the similarity "
              "only (e+).") + " Each map is scaled to its own [0, 1] range, so colours compare regions within "
             "a map, not strengths between maps.", "body"),
        grid,
    ]
    note = text.agreement_note(facts["maps"])
    if note:
        out.append(para(note, "caption"))
    if any(r["empty"] for r in facts["maps"].values()):
        out.append(para("Grey: an empty map. Its optimisation stopped before the first step because the loss "
                        "was already below ε (e.g. the e+ maps of a pair the model finds dissimilar); run with "
                        "ε = 0 to obtain it.", "caption"))
    photo_w = (FRAME_WIDTH - 8 * mm) / 2
    blocks = []
    for role in ("gallery", "probe"):
        fi = session.inputs[role].payload
        region = figures.footprint_region(fi)
        kinds = [k for k in ("similar", "dissimilar") if f"{role}_{k}" in maps_]
        pics = [picture(figures.photo_overlay(fi, maps_[f"{role}_{kind}"], cmap, alpha, region=region),
                        width=photo_w, height=95 * mm, jpeg=True) for kind in kinds]
        x1, y1, x2, y2 = region
        blocks.append(KeepTogether([
            para(f"{text.SIDE_NAMES[role]} photograph {fi.image.name} with its maps", "h2"),
            layout_table([pics, [para(KIND_LABEL[k] + (" (empty map)" if facts["maps"][f"{role}_{k}"]["empty"] else ""),
                                      "centre") for k in kinds]],
                         [photo_w + 4 * mm] * len(kinds)),
            para(f"Region x {x1}–{x2}, y {y1}–{y2} of the {fi.image.width} × {fi.image.height} photograph. "
                 "White outline: the area of the aligned crop; outside it the model saw nothing.", "caption"),
        ]))
    out += [CondPageBreak(120 * mm), para("Maps on the original photographs", "h1"),
            para("The maps projected back through the inverse of each alignment onto the original pixels.",
                 "body"), *blocks]
    return out


HEX64 = re.compile(r"\b[0-9a-f]{64}\b")


def hashes_in_mono(plain: str) -> str:
    """Escape `plain` for mark-up and set SHA-256 values in narrow monospace so they stay on one line."""
    return HEX64.sub(lambda m: f'<font name="{MONO}" size="6.5">{m.group(0)}</font>', escape(plain))


def notes_and_audit(facts: dict) -> list:
    notes = facts["case"]["notes"].strip()
    rows = [[i, text.when(e["time"]), e["action"], markup(hashes_in_mono(text.flat_details(e["details"])), "cell")]
            for i, e in enumerate(facts["audit"], 1)]
    audit = grid_table(["#", "Time", "Action", "Details"], rows,
                       [8 * mm, 36 * mm, 30 * mm, FRAME_WIDTH - 74 * mm])
    return [
        CondPageBreak(70 * mm), para("Examiner notes", "h1"),
        para(notes) if notes else para("No notes were recorded.", "caption"),
        Spacer(1, 3 * mm), para("Audit log", "h1"),
        para("Every step of the session in order, as recorded by the application (append-only); times "
             "with their UTC offset.", "caption"),
        Spacer(1, 1 * mm), audit,
    ]
