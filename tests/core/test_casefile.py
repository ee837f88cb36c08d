"""Case files: a saved session reopens identical (maps, Δx, parameters, notes, log); alterations are refused."""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import replace

import numpy as np
import pytest

from fame_desktop.core.errors import CaseFileError
from fame_desktop.core.images import encode_png, sha256_bytes
from fame_desktop.session.casefile import open_case, opened_text, save_case


@pytest.fixture
def saved(tmp_path, pair_session):
    path = tmp_path / "case.famecase"
    info = save_case(pair_session, path)
    return pair_session, path, info


def _rerun(session, model):
    """Analyse the session's inputs and run FAME again with its parameters (after an input changed)."""
    from fame_desktop.methods import FameMethod

    session.set_analysis(session.task.analyse(model, session.inputs, session.options), session.input_records())
    session.accept_result(session.request_run(FameMethod(), model, session.analysis.defaults()).execute())


def test_round_trip_restores_the_session_without_rerunning_fame(saved, monkeypatch):
    from fame_desktop.methods.fame import FameMethod

    monkeypatch.setattr(FameMethod, "run", lambda *a, **k: pytest.fail("FAME must not run"))
    before, path, info = saved
    assert info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    after, notes = open_case(path)
    assert notes == []
    assert info.saved_text().endswith(f"{info.size / 1e6:.1f} MB, unsigned)")
    assert opened_text(after, "case.famecase").endswith(" — unsigned — results restored without running again")
    r0, r1 = before.result(), after.result()
    assert r1.keys == r0.keys and r1.method.key == "fame"
    assert r1.analysis.summary["similarity"] == pytest.approx(r0.analysis.summary["similarity"], abs=1e-6)
    assert np.array_equal(r1.run.delta, r0.run.delta) and r1.run.delta.dtype == np.float32
    assert r1.per_target() == r0.per_target() and r1.run.params == r0.run.params
    assert r1.snapshot == r0.snapshot
    m0, m1 = r0.maps(before.map_settings), r1.maps(after.map_settings)
    assert all(np.array_equal(m0[k], m1[k]) for k in r0.keys)
    assert (after.params, after.options, after.map_settings, after.threshold, after.case, after.view) == \
           (before.params, before.options, before.map_settings, before.threshold, before.case, before.view)
    assert r1.model == r0.model and r1.environment == r0.environment
    assert (after.model_key, after.weights, after.device, after.created) == \
           (before.model_key, before.weights, before.device, before.created)
    for role in ("gallery", "probe"):
        a, b = after.inputs[role], before.inputs[role]
        assert a.image.sha256 == b.image.sha256 and a.image.data == b.image.data
        assert np.array_equal(a.image.rgb, b.image.rgb) and np.array_equal(a.model_input, b.model_input)
        assert np.array_equal(a.matrix, b.matrix)
        assert a.payload.describe() == b.payload.describe()  # faces, landmarks, alignment, crop hashes
        assert after.task.input_record(a) == before.task.input_record(b)
    # the log: everything before, the save, then the opening with the file's own hash
    actions = [e.action for e in after.audit.entries]
    assert actions[:-1] == [e.action for e in before.audit.entries][:-1]
    assert before.audit.entries[-1].action == "save case file"
    assert actions[-1] == "open case file" and after.audit.entries[-1].details["sha256"] == info.sha256


def _rewrite(src, dst, change):
    """Copy a case file, letting `change(name, data) -> data | None` edit or drop members."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            data = change(name, zin.read(name))
            if data is not None:
                zout.writestr(name, data)
    return dst


def _resign(src, dst, name_to_edit, edit):
    """Edit a member AND update the manifest, as a careful forger would."""
    with zipfile.ZipFile(src) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members[name_to_edit] = edit(members[name_to_edit])
    manifest = json.loads(members["manifest.json"])
    manifest["members"][name_to_edit] = {"sha256": sha256_bytes(members[name_to_edit]),
                                         "size": len(members[name_to_edit])}
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(dst, "w") as z:
        for n, d in members.items():
            z.writestr(n, d)
    return dst


def test_altered_or_damaged_case_files_are_refused(saved, tmp_path):
    _, path, _ = saved
    higher = lambda n, d: d.replace(b'"similarity": 0.', b'"similarity": 0.9') if n == "session.json" else d
    image = lambda n, d: d[:-10] + b"0123456789" if n.startswith("images/") else d
    cases = {
        "edited session": (_rewrite(path, tmp_path / "a.famecase", higher), "session.json does not match"),
        "edited photograph": (_rewrite(path, tmp_path / "b.famecase", image), "does not match its recorded SHA-256"),
        "extra member": (_rewrite(path, tmp_path / "c.famecase", lambda n, d: d), None),
        "missing member": (_rewrite(path, tmp_path / "d.famecase",
                                    lambda n, d: None if n == "raw/0.npy" else d), "raw/0.npy is missing"),
    }
    with zipfile.ZipFile(cases["extra member"][0], "a") as z:
        z.writestr("images/evil", b"x")
    cases["extra member"] = (cases["extra member"][0], "images/evil is not part of the case format")
    truncated = tmp_path / "e.famecase"
    truncated.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    cases["truncated"] = (truncated, "not a case file or damaged")
    text = tmp_path / "f.famecase"
    text.write_text("hello")
    cases["not a zip"] = (text, "not a case file or damaged")
    newer = _rewrite(path, tmp_path / "g.famecase",
                     lambda n, d: d.replace(b'"format_version": 3', b'"format_version": 7') if n == "manifest.json" else d)
    cases["newer format"] = (newer, "newer fame-desktop")
    cases["missing file"] = (tmp_path / "nope.famecase", "file not found")
    for what, (p, reason) in cases.items():
        with pytest.raises(CaseFileError, match=reason):
            open_case(p)


def test_a_forged_manifest_is_caught_by_the_content_checks(saved, tmp_path):
    from case_forgery import edit_session, forge

    session, path, _ = saved
    # a different crop, with the manifest updated: session.json records the crop's hash
    other = session.inputs["gallery"].model_input.copy()
    other[40:60, 40:60] = 0
    forged = _resign(path, tmp_path / "f1.famecase", "inputs/gallery.png", lambda d: encode_png(other))
    with pytest.raises(CaseFileError, match="gallery: the stored model input does not match its recorded SHA-256"):
        open_case(forged)
    # that hash updated too: the crop no longer fits photograph + alignment

    def crop(members):
        members["inputs/gallery.png"] = encode_png(other)
        edit_session(lambda d: d["inputs"]["gallery"].__setitem__("input_png_sha256",
                                                                   sha256_bytes(encode_png(other))))(members)

    with pytest.raises(CaseFileError, match="gallery: the stored model input does not match the photograph and how "
                                            "it was prepared"):
        open_case(forge(path, tmp_path / "f3.famecase", crop))
    # a photograph swapped under the same name
    name = f"images/{session.inputs['probe'].image.sha256}"
    forged = _resign(path, tmp_path / "f2.famecase", name, lambda d: d + b"appended")
    with pytest.raises(CaseFileError, match="does not match the hash in its name"):
        open_case(forged)


def test_the_original_bytes_are_required(tmp_path, pair_session):
    g = pair_session.inputs["gallery"]
    pair_session.inputs["gallery"] = replace(g, image=replace(g.image, data=None, source=str(tmp_path / "gone.jpg")))
    with pytest.raises(CaseFileError, match="gone.jpg: the original file is needed"):
        save_case(pair_session, tmp_path / "c.famecase")
    assert not (tmp_path / "c.famecase").exists()


def test_hand_placed_landmarks_survive_the_round_trip_and_reach_the_report(tmp_path, pair_session, detector,
                                                                            face_model):
    import pypdfium2 as pdfium

    from fame_desktop.core.pipeline import prepare_face
    from fame_desktop.report import write_report
    from fame_desktop.tasks.face_verification import face_prepared_input

    g = pair_session.inputs["gallery"].payload
    manual = prepare_face(g.image, detector, "gallery", landmarks=g.face.landmarks + 1.5)
    pair_session.set_input(face_prepared_input(manual))
    _rerun(pair_session, face_model)
    save_case(pair_session, tmp_path / "m.famecase")
    back, _notes = open_case(tmp_path / "m.famecase")
    face = back.inputs["gallery"].payload
    assert face.face.manual and face.face_index == -1
    assert np.array_equal(face.face.landmarks, manual.face.landmarks)
    assert np.array_equal(back.inputs["gallery"].model_input, manual.crop)
    write_report(back, tmp_path / "m.pdf", exports=False)
    text = "".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(str(tmp_path / "m.pdf")))
    assert "placed by hand (manual landmarks, not a detection)" in " ".join(text.split())  # table cells wrap


# --- a consistently forged case (manifest re-hashed) is caught by recomputing from the evidence ------------

def test_a_forged_score_and_iteration_count_are_refused(saved, tmp_path):
    from case_forgery import edit_session, forge

    _, path, _ = saved

    def higher(doc):
        doc["analysis"]["summary"]["similarity"] = 0.99
        doc["results"][0]["iterations"] = [500] * 4
        doc["results"][0]["params"]["iterations"] = doc["params"]["fame"]["iterations"] = 500

    forged = forge(path, tmp_path / "f.famecase", edit_session(higher))
    with pytest.raises(CaseFileError, match=r"similarity 0\.9900 does not match .* 0\.70"):
        open_case(forged)

    def more_iterations(doc):  # the score left alone: the result's own input record names 4 iterations
        doc["results"][0]["iterations"] = [500] * 4
        doc["results"][0]["params"]["iterations"] = 500

    with pytest.raises(CaseFileError, match=r"computed for other inputs than the case holds \(differing: the "
                                            r"parameters or task options\)"):
        open_case(forge(path, tmp_path / "g.famecase", edit_session(more_iterations)))


def test_a_forged_final_score_or_delta_is_refused(saved, tmp_path):
    from case_forgery import edit_session, forge

    from fame_desktop.core.io_utils import npy_bytes

    session, path, _ = saved

    def final(doc):
        doc["results"][0]["final_score"][0] += 0.05

    with pytest.raises(CaseFileError, match="gallery_similar: the stored final score .* does not match"):
        open_case(forge(path, tmp_path / "a.famecase", edit_session(final)))

    delta = session.result().run.delta.copy()
    delta[1] *= 0.5  # a smaller (weaker-looking) dissimilar map, still within the bound

    def weaker(members):
        members["raw/0.npy"] = npy_bytes(delta)

    with pytest.raises(CaseFileError, match="gallery_dissimilar: the stored final score .* does not match"):
        open_case(forge(path, tmp_path / "b.famecase", weaker))


def test_a_delta_larger_than_the_recorded_iterations_allow_is_refused(saved, tmp_path):
    from case_forgery import edit_session, forge

    session, path, _ = saved
    fewer = edit_session(lambda doc: doc["results"][0]["iterations"].__setitem__(2, 1))  # ran 4, claims 1
    with pytest.raises(CaseFileError, match=r"probe_similar: the raw Δx changes a pixel by 0\.0\d+; 1 iteration"):
        open_case(forge(path, tmp_path / "a.famecase", fewer))
    nan = edit_session(lambda doc: doc["analysis"]["summary"].__setitem__("similarity", float("nan")))
    with pytest.raises(CaseFileError, match="NaN"):
        open_case(forge(path, tmp_path / "b.famecase", nan))


def test_a_stop_reason_the_audit_log_does_not_record_is_refused(saved, tmp_path):
    """A map claimed to have converged (it ran out of iterations): every other check holds, the log's record
    of the run disagrees."""
    from case_forgery import edit_session, forge

    _, path, _ = saved

    def converged(doc):
        doc["results"][0]["stop_reasons"][2] = "converged"

    with pytest.raises(CaseFileError, match=r"probe_similar: the audit log records 4 iterations \(iterations\), "
                                            r"the stored FAME result 4 \(converged\)"):
        open_case(forge(path, tmp_path / "a.famecase", edit_session(converged)))


def test_a_reforged_photograph_renamed_by_its_new_hash_is_refused(saved, tmp_path):
    """A photograph changed away from the face keeps the crop identical; the audit log still names the original."""
    import io

    from case_forgery import forge, resnapshot
    from PIL import Image

    session, path, _ = saved
    probe = session.inputs["probe"]
    img = Image.open(io.BytesIO(probe.image.data)).convert("RGB")
    img.paste((255, 0, 0), (0, 0, 40, 40))  # far from the face: the re-warped crop does not change
    buf = io.BytesIO()
    img.save(buf, "PNG")
    new = buf.getvalue()
    new_sha = sha256_bytes(new)

    def swap(rebind):
        def edit(members):
            del members[f"images/{probe.image.sha256}"]
            members[f"images/{new_sha}"] = new
            doc = json.loads(members["session.json"])
            doc["inputs"]["probe"]["image"].update(sha256=new_sha, file_size=len(new), format="PNG",
                                                   original_mode="RGB", conversions=[])
            if rebind:  # a careful forger also re-binds the result (and the log's record of it) to the new photograph
                resnapshot(doc, lambda s: next(r for r in s["inputs"] if r["role"] == "probe")
                           .__setitem__("file_sha256", new_sha))
            members["session.json"] = json.dumps(doc).encode()
        return edit

    with pytest.raises(CaseFileError, match=r"computed for other inputs than the case holds \(differing: the probe "
                                            r"photograph\)"):
        open_case(forge(path, tmp_path / "e.famecase", swap(rebind=False)))
    with pytest.raises(CaseFileError, match="probe photograph: the audit log records .* loaded, the case holds"):
        open_case(forge(path, tmp_path / "f.famecase", swap(rebind=True)))


def test_a_changed_model_is_refused(saved, tmp_path):
    from case_forgery import edit_session, forge, resnapshot

    _, path, _ = saved

    def adaface(doc):
        doc["model"]["key"] = "adaface-ir50"

    # the result's own input record names the model it ran with, so the change is caught there first
    with pytest.raises(CaseFileError, match=r"a result was computed with another model than the case's "
                                            r"\(arcface-mbf, not adaface-ir50\)"):
        open_case(forge(path, tmp_path / "a.famecase", edit_session(adaface)))

    def both(doc):
        doc["model"].update(key="adaface-ir50", weights=str(tmp_path / "r50.ckpt"))
        doc["results"][0]["model"]["key"] = "adaface-ir50"
        # re-bound consistently, as an honest case from another machine would be
        resnapshot(doc, lambda s: s.update(model_key="adaface-ir50", checkpoint=doc["model"]["weights"]))

    with pytest.raises(CaseFileError, match="r50.ckpt.*not available"):
        open_case(forge(path, tmp_path / "b.famecase", edit_session(both)))

    def weights(doc):
        doc["results"][0]["model"]["provenance"]["sha256"] = "0" * 64

    with pytest.raises(CaseFileError, match="weights .*SHA-256.* differ"):
        open_case(forge(path, tmp_path / "c.famecase", edit_session(weights)))


def test_honest_cases_reopen_and_reopen_again(saved, tmp_path):
    """Recomputing accepts the file as saved, a re-saved reopened case, and a re-run elsewhere (other kernels)."""
    import torch

    session, path, _ = saved
    again = tmp_path / "again.famecase"
    save_case(open_case(path)[0], again)
    reopened, _notes = open_case(again)
    check = reopened.audit.entries[-1].details["checks"]
    assert check["analysis"]["summary"]["similarity"] == pytest.approx(
        session.result().analysis.summary["similarity"], abs=1e-6)
    assert check["largest_score_difference"] < 1e-5
    with torch.backends.mkldnn.flags(enabled=False):  # other convolution kernels, as on another CPU
        open_case(again)


# --- the audit log is a hash chain ----------------------------------------------------------------------

def test_the_audit_log_is_chained_and_an_edited_entry_is_refused(saved, tmp_path):
    from case_forgery import edit_session, forge, members_of, rechain

    _, path, _ = saved
    doc = json.loads(members_of(path)["session.json"])
    assert doc["audit"][0]["prev"] == "0" * 64 and all(len(e["prev"]) == 64 for e in doc["audit"])
    assert json.loads(members_of(path)["manifest.json"])["format_version"] == 3

    def threshold(doc):
        for e in doc["audit"]:
            if e["action"] == "set threshold":
                e["details"]["source"] = "validated on 10,000 pairs"

    n = next(i for i, e in enumerate(doc["audit"], 1) if e["action"] == "set threshold")
    with pytest.raises(CaseFileError, match=f"audit log entry {n + 1} does not follow entry {n}"):
        open_case(forge(path, tmp_path / "a.famecase", edit_session(threshold)))
    dropped = edit_session(lambda d: d["audit"].pop(1))
    with pytest.raises(CaseFileError, match="audit log entry 2 does not follow entry 1"):
        open_case(forge(path, tmp_path / "b.famecase", dropped))
    # re-chained after the edit: the chain holds, as it must (only a signature binds the log to a person)
    rechained = edit_session(lambda d: (threshold(d), rechain(d)))
    assert open_case(forge(path, tmp_path / "c.famecase", rechained))[0].threshold is not None


# --- formats 1 and 2 (face verification, written by earlier versions) still open --------------------------

def test_a_format_2_case_opens_as_it_was_saved(saved, tmp_path):
    from case_forgery import forge, legacy_layout, members_of

    session, path, _ = saved
    v2 = forge(path, tmp_path / "v2.famecase", legacy_layout(2))
    assert {"crops/gallery.png", "crops/probe.png", "raw/delta.npy"} <= set(members_of(v2))
    s, notes = open_case(v2)
    r0, r1 = session.result(), s.result()
    assert np.array_equal(r1.run.delta, r0.run.delta) and r1.per_target() == r0.per_target()
    assert r1.keys == r0.keys and r1.run.params == r0.run.params and r1.model == r0.model
    assert (s.case, s.threshold, s.map_settings, s.view) == (session.case, session.threshold, session.map_settings,
                                                             session.view)
    assert s.case.exhibits == {"gallery": "EXH-01", "probe": "EXH-02"}
    assert all(np.array_equal(s.inputs[r].model_input, session.inputs[r].model_input) for r in ("gallery", "probe"))
    assert notes == ["the result does not record its input snapshot (saved by an earlier version); it is taken to "
                     "belong to the stored inputs"]
    opening = s.audit.entries[-1].details
    assert opening["format_version"] == 2 and opening["audit_chain"] == "intact"
    s.report_result()  # the restored result belongs to the restored inputs
    # saved again, it is a format 3 case that reopens
    save_case(s, tmp_path / "v3.famecase")
    assert open_case(tmp_path / "v3.famecase")[0].result().keys == r0.keys


def test_a_forged_format_2_case_is_refused(saved, tmp_path):
    from case_forgery import edit_session, forge, legacy_layout

    _, path, _ = saved
    v2 = forge(path, tmp_path / "v2.famecase", legacy_layout(2))
    higher = edit_session(lambda d: d["explanation"].__setitem__("similarity", 0.99))
    with pytest.raises(CaseFileError, match=r"similarity 0\.9900 does not match .* 0\.70"):
        open_case(forge(v2, tmp_path / "f.famecase", higher))


def test_a_format_1_case_still_opens_labelled_not_chained(saved, tmp_path):
    from case_forgery import forge, legacy_layout

    _, path, _ = saved
    s, notes = open_case(forge(path, tmp_path / "v1.famecase", legacy_layout(1)))
    opening = s.audit.entries[-1]
    assert opening.details["format_version"] == 1 and notes[0] == "audit log not chained (format 1)"
    assert "audit log not chained (format 1)" in opening.details["notes"]
    assert opening.details["signature"] == "unsigned"


def test_an_adaface_case_needs_its_checkpoint_to_open(tmp_path, pair_session):
    from adaface_case import make_adaface_case

    from fame_desktop.core.errors import CaseModelUnavailable
    from fame_desktop.report import write_report

    case, checkpoint = make_adaface_case(tmp_path, pair_session)
    assert open_case(case)[0].audit.entries[-1].details["checks"]["model"] == "adaface-ir18"
    moved = checkpoint.rename(tmp_path / "elsewhere.pt")
    with pytest.raises(CaseModelUnavailable, match=r"AdaFace IResNet-18 \(ir18-seed0\.pt, SHA-256 [0-9a-f]{12}…\), "
                                                   "which is not available here") as info:
        open_case(case)
    assert info.value.checkpoint == str(checkpoint)
    s, notes = open_case(case, checkpoint=moved)  # the same weights elsewhere: checked by their SHA-256, used from now on
    assert s.weights == str(moved) and "used from now on" in notes[-1]
    assert "used from now on" in s.audit.entries[-1].details["notes"][-1]
    assert s.audit.entries[-2].action == "use weights file"
    s.report_result()  # the result follows the weights to their new place
    write_report(s, tmp_path / "moved.pdf", exports=False)
    save_case(s, tmp_path / "moved.famecase")  # and the case saved again reopens from there
    assert open_case(tmp_path / "moved.famecase")[0].weights == str(moved)
    (tmp_path / "other").mkdir()
    _, other = make_adaface_case(tmp_path / "other", pair_session, seed=1)  # other weights of the same shape
    with pytest.raises(CaseFileError, match=r"the weights of AdaFace IResNet-18 here .* differ"):
        open_case(case, checkpoint=other)
