"""`fame plugins`: every plugin (entry-point group fame_desktop.plugins) with its tasks and explanation methods,
broken ones with the reason."""

from __future__ import annotations

import json


def register(sub) -> None:
    p = sub.add_parser("plugins", help="list plugins: tasks, their models, explanation methods",
                       description="List the plugins found through the entry-point group "
                                   "fame_desktop.plugins, the tasks they provide with the models and methods "
                                   "each task offers, and the explanation methods; broken plugins are listed "
                                   "with the reason.")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--verbose", "-v", action="store_true", help="tracebacks of broken plugins")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..tasks.registry import GROUP, discover

    registry = discover()
    tasks = registry.tasks
    if args.json:
        print(json.dumps({
            "group": GROUP,
            "plugins": [p.describe() for p in registry.plugins],
            "tasks": {k: {**t.describe(), "models": [m.describe() for m in t.models()],
                          "methods": list(registry.methods_for(t))} for k, t in tasks.items()},
            "methods": {k: m.describe() for k, m in registry.methods.items()},
        }, indent=2, ensure_ascii=False))
        return 0
    print(f"Plugins (entry-point group {GROUP}):")
    for p in registry.plugins:
        state = "ok    " if p.status == "ok" else "BROKEN"
        print(f"  {state} {p.name:28s} {p.value}  [{p.distribution}]")
        if p.status != "ok":
            print(f"         {p.error}")
            if args.verbose:
                print("         " + p.details.rstrip().replace("\n", "\n         "))
    print("\nTasks:")
    for key, t in tasks.items():
        print(f"  {key:26s} {t.title} — inputs: {', '.join(s.role for s in t.inputs)}; methods: "
              f"{', '.join(registry.methods_for(t)) or 'none installed'}")
        for m in t.models():
            mark = "✓" if m.available else "·"
            print(f"      {mark} {m.key:20s} {m.status}")
    print("\nExplanation methods:")
    for key, m in registry.methods.items():
        print(f"  {key:26s} {m.title} ({m.kind}) — {m.description}")
    if registry.broken:
        print(f"\n{len(registry.broken)} broken plugin(s); the others work. `fame plugins -v` shows why.")
    return 0
