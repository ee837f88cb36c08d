"""A Session rebuilt from a case file's format 3 document, every stored figure checked against the evidence.

`restore_session` is what `casefile.open_case` does once the archive's members are read and
hashed. In order, each step refusing with CaseFileError and its reason:

1. the document's values are of the types the format writes (a value of another type is named);
2. each result names the case's model (its input snapshot records the model it ran with);
3. the model is loaded (checks.model_for: its weights must be those the results record);
4. each input is rebuilt from its photograph by the task and matches the stored model input;
5. the model's answer (similarity, top-5, cells) is recomputed and matches the stored one;
6. each result is checked by its method (FAME: the objective at x and x + Δx), and its input
   snapshot taken again from the rebuilt inputs, model, parameters and options must be the
   stored one;
7. face verification's evidence (session/evidence.py): the calibration matches its own SHA-256 and
   the case's model, the stated likelihood ratio is the calibration's for the recomputed score,
   each signed revision of the conclusion matches its SHA-256;
8. the audit log names the stored photographs, results, calibration, sign-offs and verifications
   (checks.check_audit, evidence.check_evidence_audit);
9. the measurements of the maps (faithfulness curves, class metrics) name results the case holds and
   are computed again where that is cheap (session/measurement_checks.py).

A checkpoint found elsewhere than its recorded path (same SHA-256) is used from then on: the
results are re-bound to it and the audit log says so ("use weights file").
"""

from __future__ import annotations

from dataclasses import replace

from ..core.errors import CaseFileError, FameError
from ..core.images import ImageLoadError, load_image_bytes, sha256_bytes
from ..core.snapshot import InputSnapshot
from ..methods.base import MethodJob
from .audit import AuditLog
from .checks import check_audit, compare, model_for, tolerance_for
from .measurement_checks import restore_measurements
from .evidence import check_evidence_audit, evidence_checks, similarity_of
from .evidence import from_json as evidence_from_json
from .codec import (case_info, image_member, input_member, map_settings, raw_member, run_record, stored_input,
                    threshold, typed)

_VIEW_TYPES = {"colour_map": str, "opacity": (int, float), "on_photo": bool, "maps": dict, "show_original": bool,
               "compare_mode": str, "compare_mix": (int, float)}


def _check_view(view) -> dict:
    """The stored display: a value of the wrong type means a damaged file; an unknown value of the right type
    (a colour map of a newer version) is replaced when shown (core.view_state), with a note."""
    if view is None:
        return {}
    typed(view, dict, "the view settings")
    for name, kind in _VIEW_TYPES.items():
        if name in view:
            typed(view[name], kind, f"view setting {name}={view[name]!r}")
    return dict(view)


def _method(registry, key, task):
    from ..tasks.registry import TaskNotFound

    try:
        method = registry.method(typed(key, str, "a method"))
    except TaskNotFound:
        raise CaseFileError(f"made with the explanation method {key!r}, which no installed plugin provides") \
            from None
    if why := method.applies_to(task):
        raise CaseFileError(f"holds a result of {method.title}, which does not apply: {why}")
    return method


def _result_records(doc: dict) -> list[dict]:
    """The result records, each field of the type the format writes."""
    results = typed(doc["results"], list, "the results")
    for rd in results:
        typed(rd, dict, "a result record")
        typed(rd["options"], dict, "a result's task options")
        typed(rd["params"], dict, "a result's parameters")
        typed(rd["environment"], dict, "the environment record", optional=True)
        typed(rd["snapshot"], dict, "a result's input snapshot", optional=True)
        provenance = typed(typed(rd["model"], dict, "a result's model record").get("provenance"), dict,
                           "a result's model provenance", optional=True) or {}
        typed(provenance.get("sha256"), str, "the SHA-256 of a result's weights", optional=True)
    return results


def _weights_sha256(results: list[dict]) -> str | None:
    """The SHA-256 of the weights every result records (one model per case)."""
    shas = {(rd["model"].get("provenance") or {}).get("sha256") for rd in results}
    if len(shas) > 1:
        raise CaseFileError("its results record different weights of the model")
    return shas.pop() if shas else None


def _stored_snapshot(rd: dict, method) -> InputSnapshot | None:
    if rd["snapshot"] is None:
        return None
    try:
        return InputSnapshot.from_dict(rd["snapshot"])
    except (KeyError, TypeError, ValueError) as e:
        raise CaseFileError(f"the {method.title} result's input snapshot is damaged ({e})") from None


def _snapshot_differences(stored: InputSnapshot, now: InputSnapshot) -> list[str]:
    why = stored.differences(now.inputs, now.model_key, now.checkpoint)
    if stored.weights_sha256 != now.weights_sha256:
        why.append("the model's weights")
    if stored.parameters != now.parameters:
        why.append("the parameters or task options")
    if (stored.task, stored.method) != (now.task, now.method):
        why.append("the task or method")
    return why or ["its record"]


def restore_session(doc: dict, members: dict[str, bytes], registry, checkpoint: str | None, chained: bool,
                    notes: list[str]):
    """(Session, checks) of a format 3 document: inputs rebuilt, the answer and every result recomputed.

    checkpoint: the weights file to use when the recorded one is not at its path; chained: the audit
    log must be an intact hash chain; notes: remarks for the user are appended. `checks` says what was
    recomputed (for the "open case file" audit entry), None when the case holds no inputs."""
    from ..core.view_state import ViewState
    from ..tasks.registry import TaskNotFound
    from ..tasks.result import TaskResult, describe_model
    from .model import Session, options_key

    try:
        task = registry.get(typed(doc["task"], str, "the task"))
    except TaskNotFound:
        raise CaseFileError(f"made with the task {doc['task']!r}, which no installed plugin provides") from None
    m = typed(doc["model"], dict, "the model record")
    session = Session(task, case=case_info(doc["case"]), audit=AuditLog.from_list(doc["audit"], chained=chained),
                      model_key=typed(m["key"], str, "the model"),
                      weights=typed(m["weights"], str, "the weights file", optional=True),
                      device=typed(m["device"], str, "the device"),
                      method=typed(doc["method"], str, "the method"), map_settings=map_settings(doc["map_settings"]),
                      view=_check_view(doc.get("view")), threshold=threshold(doc["threshold"]),
                      created=typed(doc["created"], str, "the session's start time"))
    notes += ViewState.from_dict(session.view)[1]
    options = dict(typed(doc["options"], dict, "the task options"))
    session.options = options
    session.params = {k: _method(registry, k, task).params_from_record(task, typed(v, dict, f"the parameters of {k}"))
                      for k, v in typed(doc["params"], dict, "the parameters").items()}
    inputs = typed(doc["inputs"], dict, "the inputs")
    results = _result_records(doc)
    stored_evidence = doc.get("evidence")
    if stored_evidence is not None and not task.evidence:
        raise CaseFileError(f"holds an evidence record, which {task.title} does not keep")
    if not (inputs or doc["analysis"] or results or stored_evidence or doc.get("measurements")):
        return session, None
    recorded_sha, recorded_weights = _weights_sha256(results), session.weights
    for rd in results:  # before loading anything: each result ran with the case's model
        snap = _stored_snapshot(rd, _method(registry, rd["method"], task))
        if snap is not None and (snap.model_key, snap.checkpoint) != (session.model_key, session.weights):
            raise CaseFileError(f"a result was computed with another model than the case's ({snap.model_key}"
                                f"{'' if snap.checkpoint is None else ', ' + snap.checkpoint}, not "
                                f"{session.model_key}{'' if session.weights is None else ', ' + session.weights})")
    model, used = model_for(task, session.model_key, session.weights, recorded_sha, checkpoint)
    if task.resolve_options(options, model) != options:
        raise CaseFileError("the task options are not ones the task accepts")
    _restore_inputs(session, inputs, members, model, options, notes)
    # the model's answer was computed where the results were: the loosest of their devices' tolerances
    tolerance = max((tolerance_for(rd["environment"]) for rd in results), default=tolerance_for(None))
    checks = {"model": session.model_key, "weights_sha256": recorded_sha, "device": "cpu", "tolerance": tolerance,
              **({"checkpoint": used} if used else {})}
    if doc["analysis"] is not None:
        if not session.ready:
            raise CaseFileError("holds the model's answer without every input")
        stored = typed(typed(doc["analysis"], dict, "the model's answer")["summary"], dict, "the answer's figures")
        session.analysis = task.analyse(model, session.inputs, options)
        recomputed = session.analysis.summary
        if doc.get("legacy") is True:  # formats 1 and 2 stored the similarity only (casefile.open_case sets this)
            recomputed = {k: v for k, v in recomputed.items() if k in stored}
        why = compare(stored, recomputed, tolerance)
        if why:
            raise CaseFileError(f"{why} from the inputs")
        checks["analysis"] = {"headline": session.analysis.headline, "summary": session.analysis.summary}
    largest = 0.0
    for n, rd in enumerate(results):
        method = _method(registry, rd["method"], task)
        if session.analysis is None:
            raise CaseFileError("holds a result without the model's answer")
        if rd["options"] != options:
            raise CaseFileError(f"a {method.title} result was computed with other task options than the case's")
        run = run_record(rd, members[raw_member(n)], method.params_from_record(task, rd["params"]))
        try:
            targets = tuple(task.target(session.analysis, typed(k, str, "a target")) for k in rd["targets"])
            job = MethodJob(task, model, dict(session.inputs), session.analysis, targets, run.params, options)
            largest = max(largest, method.check_run(job, run, tolerance_for(rd["environment"])))
        except FameError as e:
            raise CaseFileError(str(e)) from None
        now = InputSnapshot.capture(task.key, [session.inputs[s.role] for s in task.inputs], session.model_key,
                                    recorded_weights, rd["model"], run.params, options, method.key, task.choice_noun)
        snapshot = _stored_snapshot(rd, method)
        if snapshot is None:  # formats 1 and 2: the inputs were checked against the stored crops above
            snapshot = now
            notes.append("the result does not record its input snapshot (saved by an earlier version); it is "
                         "taken to belong to the stored inputs")
        elif snapshot.digest() != now.digest():
            raise CaseFileError(f"the {method.title} result was computed for other inputs than the case holds "
                                f"(differing: {', '.join(_snapshot_differences(snapshot, now))})")
        result = TaskResult(task=task.key, model=rd["model"], inputs=dict(session.inputs), analysis=session.analysis,
                            targets=targets, run=run, options=dict(options), method=method, snapshot=snapshot,
                            environment=rd["environment"])
        result.measurements = task.measure(result)
        session.results[(method.key, options_key(options))] = result
    if results:
        checks["largest_score_difference"] = float(f"{largest:.3g}")
    session.evidence = evidence_from_json(stored_evidence, describe_model(model), similarity_of(session), tolerance)
    if stored_evidence is not None:
        checks["evidence"] = evidence_checks(session.evidence)
    check_audit(session)
    check_evidence_audit(session)
    if measured := restore_measurements(session, doc.get("measurements"), model, tolerance):
        checks["measurements"] = measured
    if used and used != recorded_weights:
        _rebind_weights(session, used, recorded_sha, notes)
    return session, checks


def _restore_inputs(session, inputs: dict, members: dict[str, bytes], model, options: dict, notes: list[str]):
    task = session.task
    for role, d in inputs.items():
        if role not in session.roles:
            raise CaseFileError(f"holds an input {role!r}, which {task.title} does not take")
        image_record = typed(d["image"], dict, f"the {role} photograph's record")
        sha = typed(image_record["sha256"], str, f"the {role} photograph's SHA-256")
        try:
            image = load_image_bytes(members[image_member(sha)], typed(image_record["path"], str, "a path"))
        except ImageLoadError as e:
            raise CaseFileError(f"{role} photograph cannot be decoded: {e}") from None
        if image.sha256 != sha:
            raise CaseFileError(f"{role} photograph does not match its recorded SHA-256")
        if d.get("input_png_sha256") not in (None, sha256_bytes(members[input_member(role)])):
            raise CaseFileError(f"{role}: the stored model input does not match its recorded SHA-256")
        try:
            prepared, more = task.restore_input(model, role, image, typed(d["record"], dict, "an input record"),
                                                stored_input(members, role), options)
        except FameError as e:
            raise CaseFileError(str(e)) from None
        notes += more
        session.photos[role], session.inputs[role] = image, prepared


def _rebind_weights(session, used: str, sha256: str | None, notes: list[str]) -> None:
    """The recorded weights file was found elsewhere (same SHA-256): the session and its results use it now."""
    old = session.weights
    session.weights = used
    rebound = {}  # old snapshot digest → new (the audit log's records of the runs name the old ones)
    for result in session.results.values():
        old_digest = result.snapshot.digest()
        result.snapshot = replace(result.snapshot, checkpoint=used)
        rebound[old_digest] = result.snapshot.digest()
    notes.append(f"the weights file {used} (same SHA-256 as recorded) is used from now on")
    session.record("use weights file", path=used, replaces=old, sha256=sha256, snapshots=rebound)

