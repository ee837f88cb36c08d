"""The session: one open case of any task — everything chosen, everything computed, and the audit log.

Qt-free and evented (psygnal): views connect to `session.events` and redraw from the
session; the window, the CLI and batch jobs change it only through its methods, so every
step that matters lands in the append-only audit log. Case files and reports read only
the session.

    s = Session(task)                       # a task from the plugin registry
    s.set_photo(role, image)                # read: the slot's previous input and the results go
    s.set_input(prepared)                   # prepared for the model (face chosen, image resized…)
    s.set_analysis(analysis, records)       # the model's answer (similarity, top-5, cells)
    req = s.request_run(model, targets)     # snapshot taken now; execute it in a worker
    s.accept_result(result)                 # kept only while its snapshot matches the inputs
    s.set_calibration(cal, model_info)      # face verification: the evidence (session/evidence.py)
    s.set_measurement(m)                    # faithfulness curves / class metrics (session/measurements.py)

Results are kept per method and per task options (e.g. per feature-map layer) for the
current inputs and model; any change of an input or of the model drops them all, and with
them the measurements of their maps. A measurement whose results were replaced since (or whose
map settings changed) is kept but stale: `current_measurement` no longer returns it.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, field, fields, replace

from psygnal import Signal, SignalGroup

from ..core.attribution import MapSettings
from ..core.environment import versions
from ..core.errors import ExportError
from ..core.images import LoadedImage
from ..core.snapshot import InputRecord, StaleResultError
from ..tasks.base import Task
from ..tasks.result import TaskResult
from ..tasks.result_rows import Accumulated, accumulate
from ..tasks.runner import RunRequest, request_run
from ..tasks.types import Analysis, PreparedInput
from ..session.audit import AuditLog, CaseInfo, Threshold, now_iso
from .evidence import Evidence, calibration_details, content_digest
from .measurements import ACTIONS, Measurement, SourceRef


class SessionEvents(SignalGroup):
    inputs = Signal(str)  # role whose photograph or prepared input changed (or went)
    analysis = Signal()  # the model's answer before any explanation
    results = Signal()  # a result was accepted, or the results were dropped
    model = Signal()  # the model choice
    parameters = Signal()  # method, method parameters, task options, map settings
    display = Signal()  # view state: colour map, opacity, what is shown
    case = Signal()  # case details, threshold
    evidence = Signal()  # calibration, FISWG checklist, conclusion and its sign-off (session/evidence.py)
    measurements = Signal()  # a measurement was kept, or the measurements were dropped
    audit = Signal(object)  # the AuditEntry just recorded


def options_key(options: dict) -> str:
    return repr(sorted((k, str(v)) for k, v in options.items()))


@dataclass
class SessionState:
    """The data of a session (what a case file stores), without its events."""

    task: Task
    case: CaseInfo = field(default_factory=CaseInfo)
    audit: AuditLog = field(default_factory=AuditLog)
    model_key: str = ""
    weights: str | None = None
    device: str = "auto"
    method: str = "fame"
    params: dict = field(default_factory=dict)  # method key → its parameters
    options: dict = field(default_factory=dict)  # the task's option values
    map_settings: MapSettings = field(default_factory=MapSettings)
    view: dict = field(default_factory=dict)  # display kept in case files (colour map, opacity, …)
    threshold: Threshold | None = None
    evidence: Evidence = field(default_factory=Evidence)  # immutable: replaced, never changed in place
    photos: dict[str, LoadedImage] = field(default_factory=dict)
    inputs: dict[str, PreparedInput] = field(default_factory=dict)
    analysis: Analysis | None = None
    results: dict[tuple[str, str], TaskResult] = field(default_factory=dict)  # (method, options key) → result
    measurements: dict[tuple[str, str], Measurement] = field(default_factory=dict)  # (kind, target) → measurement
    created: str = field(default_factory=now_iso)

    # helpers ----------------------------------------------------------------------------
    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(s.role for s in self.task.inputs)

    @property
    def ready(self) -> bool:
        """Every input of the task is prepared."""
        return all(r in self.inputs for r in self.roles)

    def params_for(self, method) -> object:
        """The parameters of `method` (a Method) in this session, its defaults for the task until set."""
        return self.params.get(method.key) or method.default_params(self.task)

    def result(self, method: str | None = None) -> TaskResult | None:
        """The result shown now: of `method` (default the session's) under the current task options."""
        return self.results.get((method or self.method, options_key(self.options)))

    def input_records(self) -> tuple[InputRecord, ...]:
        return tuple(InputRecord.of(self.inputs[r]) for r in self.roles if r in self.inputs)

    def stale_reasons(self, result) -> list[str]:
        """Why `result` (or a RunRequest) does not belong to the current inputs and model ([] if it does)."""
        if result.snapshot is None:
            return ["the result does not record the inputs it was computed from"]
        return result.snapshot.differences(self.input_records(), self.model_key, self.weights)

    def measurement_stale_reasons(self, m: Measurement) -> list[str]:
        """Why measurement `m` no longer describes this session's maps ([] while it does)."""
        why = []
        for ref in m.sources:
            result = self.result(ref.method)
            if result is None or m.target not in result.keys:
                why.append(f"the {ref.method} result is gone")
            elif SourceRef.of(result, m.target) != ref:
                why.append(f"the {ref.method} result was replaced")
        if m.map_settings != self.map_settings:
            why.append("the map settings changed")
        if m.box is not None:
            if all(p.sha256 != m.box.photo_sha256 for p in self.photos.values()):
                why.append("the box's photograph is not the one loaded")
        return why

    def current_measurement(self, kind: str, target: str) -> Measurement | None:
        """The measurement of `kind` of map `target`, while it still describes the session's maps."""
        m = self.measurements.get((kind, target))
        return m if m is not None and not self.measurement_stale_reasons(m) else None

    def current_measurements(self) -> list[Measurement]:
        """Every current measurement (what case files and reports keep), in the order they were made."""
        return [m for m in self.measurements.values() if not self.measurement_stale_reasons(m)]

    def report_result(self) -> TaskResult:
        """The result a report or export states; ExportError saying what is missing when there is none."""
        if not self.ready:
            raise ExportError(f"nothing to report: the session needs every input "
                              f"({', '.join(s.label.lower() for s in self.task.inputs)})")
        result = self.result()
        if result is None:
            raise ExportError("nothing to report: no explanation has been run on these inputs with this method")
        try:
            self.check_result_current(result)
        except StaleResultError as e:
            raise ExportError(f"cannot report: {e}") from None
        return result

    def check_result_current(self, result: TaskResult) -> None:
        """StaleResultError unless `result` was computed from the current inputs and model."""
        why = self.stale_reasons(result)
        if why:
            raise StaleResultError(f"the result was computed for other inputs ({', '.join(why)} changed)")


    def frozen_copy(self) -> "SessionState":
        """A copy later changes leave alone (e.g. to write a case file or a report in another thread).

        Inputs, results and case details are replaced, never changed in place, so they are
        shared; the containers that grow or change are copied. The copy has no events.
        """
        state = {f.name: getattr(self, f.name) for f in fields(SessionState)}
        return SessionState(**state | {
            "case": replace(self.case, exhibits=dict(self.case.exhibits)), "audit": AuditLog(self.audit.entries),
            "params": dict(self.params), "options": dict(self.options), "view": deepcopy(self.view), "photos": dict(self.photos),
            "inputs": dict(self.inputs), "results": dict(self.results), "measurements": dict(self.measurements)})


class Session(SessionState):
    """A SessionState with events and the rules that keep it consistent."""

    def __init__(self, task: Task, **state):
        super().__init__(task=task, **state)
        self.events = SessionEvents()
        self.model_key = self.model_key or task.default_model
        self.options = self.options or task.resolve_options({}, None)
        self.audit.listeners.append(self.events.audit.emit)

    @classmethod
    def from_state(cls, state: SessionState) -> "Session":
        """A live session holding a copy of `state` (e.g. a frozen copy taken earlier)."""
        copy = state.frozen_copy()
        return cls(**{f.name: getattr(copy, f.name) for f in fields(SessionState)})

    def _drop_results(self) -> bool:
        had = bool(self.results) or self.analysis is not None
        self.results = {}
        self.analysis = None
        if self.measurements:  # measured on the maps just dropped
            self.measurements = {}
            self.events.measurements.emit()
        return had

    # inputs -----------------------------------------------------------------------------
    def set_photo(self, role: str, image: LoadedImage) -> None:
        """A photograph was read into slot `role` (logged now, before it is prepared)."""
        self._check_role(role)
        dropped = self._drop_results()
        self.photos[role] = image
        self.inputs.pop(role, None)
        self.audit.record(f"load {role}", file=image.source, sha256=image.sha256, file_size=image.file_size,
                          format=image.format, pixels=f"{image.width}×{image.height}",
                          **({"conversions": list(image.conversions)} if image.conversions else {}),
                          **({"results_dropped": True} if dropped else {}))
        self.events.inputs.emit(role)
        if dropped:
            self.events.results.emit()

    def set_input(self, prepared: PreparedInput) -> None:
        """Use a prepared input in its slot (its photograph is recorded first if it is new there)."""
        role = prepared.role
        self._check_role(role)
        photo = self.photos.get(role)
        if photo is None or photo.sha256 != prepared.image.sha256:
            self.set_photo(role, prepared.image)
        dropped = self._drop_results()
        self.inputs[role] = prepared
        action, details = self.task.describe_choice(prepared)
        self.audit.record(action, role=role, **details, **({"results_dropped": True} if dropped else {}))
        self.events.inputs.emit(role)
        if dropped:
            self.events.results.emit()

    def clear_input(self, role: str, reason: str, **details) -> None:
        """No usable input in `role` (e.g. its photograph holds no face)."""
        self._check_role(role)
        self.inputs.pop(role, None)
        dropped = self._drop_results()
        self.audit.record(reason, role=role, **details)
        self.events.inputs.emit(role)
        if dropped:
            self.events.results.emit()

    def set_analysis(self, analysis: Analysis, records: tuple[InputRecord, ...]) -> bool:
        """The model's answer for the inputs `records` describe; ignored (False) if they changed since."""
        if records != self.input_records():
            return False
        self.analysis = analysis
        self.events.analysis.emit()
        return True

    # choices ----------------------------------------------------------------------------
    def set_model(self, key: str, weights: str | None = None, device: str = "auto") -> None:
        if (key, weights, device) != (self.model_key, self.weights, self.device):
            other_weights = (key, weights) != (self.model_key, self.weights)
            self.model_key, self.weights, self.device = key, weights, device
            dropped = self._drop_results()
            self.audit.record("choose model", model=key, weights=weights, device=device)
            cal = self.evidence.calibration
            if cal is not None and other_weights:  # a calibration holds only for the model that made it
                self.evidence = replace(self.evidence, calibration=None)
                self.audit.record("remove calibration", sha256=cal.sha256, reason="the model was changed")
                self.events.evidence.emit()
            self.events.model.emit()
            if dropped:
                self.events.results.emit()

    def set_method(self, key: str) -> None:
        if key != self.method:
            self.method = key
            self.audit.record("choose method", method=key)
            self.events.parameters.emit()
            self.events.results.emit()  # the result shown is the new method's

    def set_params(self, method: str, params) -> None:
        """The parameters of `method` (logged only when they change)."""
        if params != self.params.get(method):
            self.params[method] = params
            self.audit.record("set method parameters", method=method, **params.describe())
            self.events.parameters.emit()

    def set_options(self, options: dict) -> None:
        """The task's options (already resolved by the task); another options set shows its own results."""
        if options != self.options:
            self.options = dict(options)
            self.analysis = None  # the model's answer may depend on them (e.g. a layer's cells)
            self.audit.record("set task options", **self.task.describe_options(options))
            self.events.analysis.emit()
            self.events.parameters.emit()
            self.events.results.emit()

    def set_map_settings(self, settings: MapSettings) -> None:
        if settings != self.map_settings:
            self.map_settings = settings
            self.audit.record("set map settings", **settings.describe())
            self.events.parameters.emit()

    def set_view(self, **values) -> None:
        """Display state kept in case files (not logged: it changes no result)."""
        changed = {k: v for k, v in values.items() if self.view.get(k) != v}
        if changed:
            self.view.update(changed)
            self.events.display.emit()

    def set_threshold(self, threshold: Threshold | None) -> None:
        if threshold != self.threshold:
            self.threshold = threshold
            self.audit.record("set threshold", value=None if threshold is None else threshold.value,
                              source=None if threshold is None else threshold.source)
            self.events.case.emit()

    def set_case(self, **fields) -> None:
        """Case details: case_id, examiner, notes, exhibits ({role: exhibit ID})."""
        changed = {k: v for k, v in fields.items() if getattr(self.case, k) != v}
        if changed:
            self.case = replace(self.case, **changed)
            shown = {k: v for k, v in changed.items() if k != "notes"}
            self.audit.record("edit case details", **shown, **({"notes_changed": True} if "notes" in changed else {}))
            self.events.case.emit()

    def record(self, action: str, **details) -> None:
        self.audit.record(action, **details)

    # evidence (tasks with `evidence`: face verification) ---------------------------------
    def set_calibration(self, calibration, model_info: dict | None = None) -> None:
        """Use a verified calibration (core.evidence.calibration) for the LR, or none.

        `model_info`: the loaded model's describe(); CalibrationError when the calibration is of another."""
        self._check_evidence()
        old = self.evidence.calibration
        if calibration is not None:
            calibration.check_model(model_info or {})
        if (old.sha256 if old else None) == (calibration.sha256 if calibration else None):
            return  # the same file again (or none again): nothing to log
        self.evidence = replace(self.evidence, calibration=calibration)
        if calibration is None:
            self.audit.record("remove calibration", sha256=old.sha256)
        else:
            self.audit.record("load calibration", **calibration_details(calibration))
        self.events.evidence.emit()

    def assess_component(self, component: str, assessment: str | None, notes: str | None = None) -> None:
        """The examiner's FISWG assessment of one component (core.evidence.fiswg); the tool never calls this."""
        self._check_evidence()
        record = self.evidence.record
        old = record.checklist.item(component)
        checklist = record.checklist.assess(component, assessment, notes)
        new = checklist.item(component)
        if new != old:
            self._set_record(record.edit(checklist=checklist), "assess FISWG component", component=component,
                             assessment=assessment, **({"notes_changed": True} if new.notes != old.notes else {}))

    def edit_conclusion(self, **changes) -> None:
        """The draft's conclusion (a Conclusion), examiner or examiner_date (a later revision's draft once signed)."""
        self._check_evidence()
        record = self.evidence.record
        new = record.edit(**changes)
        if new == record:
            return
        details = {k: v for k, v in changes.items() if k in ("examiner", "examiner_date") and getattr(record, k) != v}
        if "conclusion" in changes and changes["conclusion"] != record.conclusion:
            details["verbal"] = changes["conclusion"].verbal
            if changes["conclusion"].text != record.conclusion.text:
                details["text_changed"] = True
        self._set_record(new, "edit conclusion", **details)

    def sign_off_conclusion(self) -> None:
        """Freeze the draft as the next revision, signing the case content (session/evidence.content_digest)."""
        self._check_evidence()
        record = self.evidence.record.sign_off(content_digest(self))
        r = record.latest
        self._set_record(record, "sign off conclusion", revision=r.number, sha256=r.sha256,
                         case_sha256=r.case_sha256, examiner=r.examiner, examiner_date=r.examiner_date,
                         verbal=r.conclusion.verbal)

    def verify_conclusion(self, reviewer: str, on: str, agrees: bool, notes: str = "") -> None:
        """The second examiner's verification of the latest revision (ACE-V)."""
        self._check_evidence()
        record = self.evidence.record.verify(reviewer, on, agrees, notes)
        v = record.latest.verification
        self._set_record(record, "verify conclusion", revision=record.latest.number, reviewer=v.reviewer,
                         date=v.date, agrees=v.agrees, **({"with_notes": True} if v.notes else {}))

    def _set_record(self, record, action: str, **details) -> None:
        self.evidence = replace(self.evidence, record=record)
        self.audit.record(action, **details)
        self.events.evidence.emit()

    def _check_evidence(self) -> None:
        if not self.task.evidence:
            raise ValueError(f"{self.task.title} keeps no evidence record (calibration, checklist, conclusion)")

    # runs -------------------------------------------------------------------------------
    def request_run(self, method, model, targets, start=None) -> RunRequest:
        """A run of `method` on `targets` with this session's inputs, parameters and options (a method that
        needs the decision threshold, FGGB, gets the case's when its parameters name none).

        The snapshot is taken now and the start is logged; execute the request in a worker and
        hand its result to `accept_result`. start: a shown result's run to continue ("Refine")."""
        if not self.ready or self.analysis is None:
            raise StaleResultError("a run needs every input prepared and analysed")
        params = self.params_for(method)
        if getattr(method, "needs_threshold", False) and self.threshold is not None and params.threshold is None:
            params = method.with_threshold(params, self.threshold.value, self.threshold.source)  # FGGB: θ in force
        req = request_run(self.task, method, model, self.inputs, self.analysis, targets, params, self.options,
                          self.model_key, self.weights, start)
        files = {f"{r.role}_sha256": r.file_sha256 for r in req.snapshot.inputs}
        continued = {} if start is None else {"continues_from_iterations": [int(n) for n in start.iterations]}
        self.audit.record("run started", method=method.key, targets=[t.key for t in req.job.targets],
                          parameters=params.describe(), snapshot=req.snapshot.digest(), **continued, **files)
        return req

    def accept_result(self, result: TaskResult, environment: dict | None = None) -> Accumulated | None:
        """Keep the complete rows of `result` beside the earlier ones — if its snapshot still matches.

        A result of other inputs or another model is discarded and logged (None). A cancelled
        run keeps only the rows that finished; a result with other parameters replaces the earlier
        one. `environment` (software and device that made it) defaults to this process's.
        """
        run = result.run
        why = self.stale_reasons(result)
        if why:
            self.audit.record("result discarded", method=result.method.key,
                              reason=f"{', '.join(why)} changed since the run started",
                              snapshot=result.snapshot.digest() if result.snapshot else None)
            return None
        result.environment = environment or versions(result.model.get("device") or self.device)
        key = (result.method.key, options_key(result.options))
        acc = accumulate(self.task, self.results.get(key), result)
        if acc.result is not None:
            self.results[key] = acc.result
        self.audit.record("run finished" if not run.cancelled else "run cancelled", method=result.method.key,
                          headline=result.analysis.headline, kept=list(acc.kept),
                          iterations=[int(i) for i in run.iterations], stop_reasons=list(run.stop_reasons),
                          seconds=round(run.elapsed, 3), snapshot=result.snapshot.digest(),
                          **({"replaced_earlier": True} if acc.replaced else {}))
        self.events.results.emit()
        return acc

    def set_measurement(self, m: Measurement) -> bool:
        """Keep measurement `m` (replacing the earlier one of its kind and map) — if it describes the session's
        maps now; one computed for results replaced since is discarded and logged (False)."""
        why = self.measurement_stale_reasons(m)
        if why:
            self.audit.record("measurement discarded", kind=m.kind, target=m.target, reason="; ".join(why))
            return False
        replaced = m.key in self.measurements
        self.measurements.pop(m.key, None)  # the newest last: the order they were made
        self.measurements[m.key] = m
        self.audit.record(ACTIONS[m.kind], **m.audit_details(), **({"replaced_earlier": True} if replaced else {}))
        self.events.measurements.emit()
        return True

    def _check_role(self, role: str) -> None:
        if role not in self.roles:
            raise ValueError(f"{self.task.title} has no input {role!r}; its inputs: {', '.join(self.roles)}")
