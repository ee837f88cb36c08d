"""Report sections of the evidence facts (core.evidence.evidence_facts): the calibrated likelihood ratio
with its Tippett plot and score histograms, image quality, facial regions, the FISWG checklist, and the
conclusion and signature page.

Self-contained: `evidence_flowables(facts)` returns reportlab flowables for the parts the facts hold,
to be placed in a report's story (e.g. after the results); each part also has its own function.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, PageBreak, Spacer

from ..core.evidence.face_regions import REGION_LABELS
from ..core.evidence.fiswg import ASSESSMENT_LABELS, COMPONENT_LABELS, RELATED_REGION
from ..core.evidence.verbal_scale import parse_choice
from .evidence_charts import histogram_drawing, region_bars_drawing, tippett_drawing
from .layout import FRAME_WIDTH, grid_table, kv_table, layout_table, markup, mono, para


def _num(v, fmt: str = "{:.3f}") -> str:
    return "–" if v is None else fmt.format(v)


def calibrated_score_flowables(f: dict) -> list:
    c = f["calibration"]
    m, p = c["metrics"], c["pairs"]
    bound = {"upper": "capped at the ELUB upper bound", "lower": "capped at the ELUB lower bound", None: "within the "
             "ELUB bounds"}[f["bound"]]
    lo, hi = c["elub"]["log10_lower"], c["elub"]["log10_upper"]
    cv = "" if m.get("cllr_cv") is None else f"; cross-validated {m['cllr_cv']:.3f} ({m['cv_folds']} folds)"
    points = "; ".join(f"FMR ≤ {op['target_fmr']:g}: {op['threshold']:.4f} (FNMR {op['fnmr']:.2%}"
                       + ("" if op["measurable"] else ", not measurable") + ")" for op in m["operating_points"])
    return [
        PageBreak(), para("Evidential value of the score (calibrated)", "h1"),
        kv_table([
            ("Likelihood ratio", markup(f"<b>LR = {escape(f['lr_text'])}</b> (log10 LR {f['log10_lr']:+.2f}; {bound})")),
            ("Verbal equivalent", f"ENFSI scale: {f['verbal']['text']}"),
            ("Score", f"{f['score']:.6f} (cosine)"),
            ("Calibration set", c["description"]),
            ("Pairs", f"{p['genuine']} genuine, {p['impostor']} impostor scored of {p['listed']} listed; "
                      f"{p['failed']} failed"),
            ("Model", f"{c['model']['key']} (weights SHA-256 {c['model']['weights_sha256'][:16]}…)"),
            ("Calibrator", c["calibrator_method"]),
            ("Performance", f"Cllr {m['cllr']:.3f}{cv}; Cllr_min {m['cllr_min']:.3f}; EER {m['eer']:.2%} at "
                            f"{m['eer_threshold']:.4f}"),
            ("Thresholds", points or "–"),
            ("ELUB bounds", f"LR from {10 ** lo:.3g} to {10 ** hi:.3g} (log10 {lo:+.2f} … {hi:+.2f})"),
            ("Calibration file", mono(f"{c['sha256']}  {c['path']}")),
        ], label_width=34 * mm),
        Spacer(1, 2 * mm),
        KeepTogether(layout_table([[tippett_drawing(f["tippett"], FRAME_WIDTH / 2 - 3 * mm, 62 * mm),
                                    histogram_drawing(f["histograms"], FRAME_WIDTH / 2 - 3 * mm, 62 * mm)]],
                                  [FRAME_WIDTH / 2, FRAME_WIDTH / 2])),
        para("Blue: pairs of the same person; red: pairs of different people, in the calibration set. The case is "
             "marked in black.", "caption"),
        *[para(text, "small") for text in f["caveats"]],
    ]


def quality_flowables(f: dict) -> list:
    sides = [s for s in ("gallery", "probe") if s in f]
    rows = [[f["measures"][k]["label"], f["measures"][k]["unit"], *[_num(f[s]["values"].get(k), "{:.4g}") for s in sides]]
            for k in f["measures"]]
    flags = [[s, fl["text"], fl["source"]] for s in sides for fl in f[s]["flags"]]
    out = [CondPageBreak(60 * mm), para("Image quality", "h2"),
           grid_table(["Measure", "Unit", *sides], rows, [36 * mm, 52 * mm] + [(FRAME_WIDTH - 88 * mm) / len(sides)] * len(sides))]
    if flags:
        out += [para("Flags: conditions outside what the model or the calibration set covers", "h2"),
                grid_table(["Image", "Flag", "Source of the limit"], flags, [18 * mm, 90 * mm, FRAME_WIDTH - 108 * mm])]
    else:
        out.append(para("No measure lies outside the stated limits.", "caption"))
    return out


def regions_flowables(f: dict) -> list:
    keys = [k for k in ("gallery_similar", "gallery_dissimilar", "probe_similar", "probe_dissimilar") if k in f["shares"]]
    head = [k.replace("_similar", " e+").replace("_dissimilar", " e−") for k in keys]
    area = f["areas"].get("gallery") or next(iter(f["areas"].values()))
    rows = [[f["labels"][r], f"{area[r]:.0%}",
             *["–" if f["shares"][k] is None else f"{f['shares'][k][r]:.0%}" for k in keys]] for r in f["regions"]]
    width = (FRAME_WIDTH - 64 * mm) / len(keys)
    return [CondPageBreak(80 * mm), para("Facial regions of the maps", "h2"),
            grid_table(["Region", "Share of the crop", *head], rows, [40 * mm, 24 * mm] + [width] * len(keys)),
            Spacer(1, 2 * mm), region_bars_drawing(f, FRAME_WIDTH, 58 * mm), Spacer(1, 2 * mm),
            para("Each map's share of its total mass in each region of the aligned crop (docs/evidence.md defines "
                 "the regions from the five landmarks); a uniform map's shares are the regions' shares of the crop. "
                 "A reading aid for the maps, not a comparison of features.", "caption")]


def checklist_flowables(f: dict) -> list:
    rows = [[COMPONENT_LABELS[i["component"]], ASSESSMENT_LABELS[i["assessment"]], i["notes"],
             REGION_LABELS.get(RELATED_REGION.get(i["component"]), "–")] for i in f["items"]]
    return [CondPageBreak(60 * mm), para("FISWG component comparison (by the examiner)", "h2"),
            grid_table(["Component", "Assessment", "Notes", "Map region"], rows,
                       [34 * mm, 26 * mm, FRAME_WIDTH - 86 * mm, 26 * mm]),
            para("Filled in by the examiner; the software assesses no component.", "caption")]


def _conclusion_text(c: dict) -> str:
    verbal = f"\nVerbal scale: {parse_choice(c['verbal']).text}" if c["verbal"] else ""
    return (c["text"] or "–") + verbal


def conclusion_flowables(f: dict) -> list:
    out = [PageBreak(), para("Conclusion and signatures", "h1")]
    status = {"draft": "draft, not signed", "signed": "signed", "revised": "edited after the last sign-off: "
              "the draft below is not signed"}[f["status"]]
    out.append(para(f"Status: {status}.", "body"))
    if f.get("signs_this_case") is False:
        out.append(markup("<b>The latest signed revision signs other case content than this report states: the "
                          "inputs, model, result, calibration or threshold changed after it was signed.</b>", "body"))
    for r in f["revisions"]:
        v = r["verification"]
        verified = "not yet verified" if v is None else \
            f"{'agrees' if v['agrees'] else 'does not agree'} — {v['reviewer']}, {v['date']}" + \
            (f": {v['notes']}" if v["notes"] else "")
        out += [para(f"Revision {r['number']}", "h2"), kv_table([
            ("Conclusion", _conclusion_text(r["conclusion"])),
            ("Examiner", f"{r['examiner']}, {r['examiner_date']} (signed {r['signed_at']})"),
            ("Verification (ACE-V)", verified),
            ("Signs case content", mono(r["case_sha256"])),
            ("Revision SHA-256", mono(r["sha256"])),
        ], label_width=38 * mm)]
    if f["status"] != "signed":
        d = f["draft"]
        out += [para("Unsigned draft", "h2"), kv_table([("Conclusion", _conclusion_text(d["conclusion"])),
                                                         ("Examiner", d["examiner"] or "–")], label_width=38 * mm)]
    out += [Spacer(1, 10 * mm), layout_table([[para("Examiner signature", "caption"), para("Reviewer signature", "caption")],
                                              [para("\n\n______________________________"),
                                               para("\n\n______________________________")]],
                                             [FRAME_WIDTH / 2, FRAME_WIDTH / 2])]
    return out


def evidence_flowables(facts: dict) -> list:
    """The flowables of every part the evidence facts hold, in report order."""
    out = []
    if "calibrated_score" in facts:
        out += calibrated_score_flowables(facts["calibrated_score"])
    if "quality" in facts:
        out += quality_flowables(facts["quality"])
    if "regions" in facts:
        out += regions_flowables(facts["regions"])
    if "checklist" in facts:
        out += checklist_flowables(facts["checklist"])
    if "conclusion" in facts:
        out += conclusion_flowables(facts["conclusion"])
    return out
