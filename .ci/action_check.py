#!/usr/bin/env python3
"""Lints action.yml, which actionlint does not read (it lints workflows only).

    python3 .ci/action_check.py action.yml                 # the metadata checks below
    python3 .ci/action_check.py action.yml --workflow OUT  # also writes OUT: the action's steps
                                                           # as a workflow job, for actionlint

Checks: the keys GitHub requires (name, description, runs.using: composite, runs.steps), each
input with a description, every `run:` step with a `shell:`, no `${{` inside any `run:` (an
expression expanded into a script is script injection: inputs go through `env:`), and every
`inputs.X` / `steps.S.outputs` named in an expression is declared (an input) or an earlier step's
id. The workflow written for actionlint declares the inputs as workflow_dispatch inputs, so
actionlint type-checks every expression and checks the `uses:` steps' inputs. Prints one line per
problem as `action.yml: message`, exits 1 on any. Under a tenth of a second.
"""
import re
import sys

import yaml

EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.S)
INPUT_REF = re.compile(r"\binputs\.([A-Za-z_][A-Za-z0-9_-]*)")
STEP_REF = re.compile(r"\bsteps\.([A-Za-z_][A-Za-z0-9_-]*)\.outputs\b")


def expressions(value):
    """Every `${{ ... }}` body in a YAML value (strings, lists, maps), with where it is."""
    if isinstance(value, str):
        yield from EXPR.findall(value)
    elif isinstance(value, dict):
        for v in value.values():
            yield from expressions(v)
    elif isinstance(value, list):
        for v in value:
            yield from expressions(v)


def check(action):
    problems = []
    if not isinstance(action, dict):
        return ["not a YAML mapping"]
    for key in ("name", "description", "runs"):
        if not action.get(key):
            problems.append(f"missing required key `{key}`")
    inputs = action.get("inputs") or {}
    for name, spec in inputs.items():
        if not isinstance(spec, dict) or not spec.get("description"):
            problems.append(f"input `{name}` has no description")
    runs = action.get("runs") or {}
    if runs.get("using") != "composite":
        problems.append("runs.using is not `composite`")
    steps = runs.get("steps")
    if not isinstance(steps, list) or not steps:
        return problems + ["runs.steps is missing or empty"]
    ids = []
    for i, step in enumerate(steps, 1):
        where = f"step {i} ({step.get('name', step.get('id', '?'))})"
        if ("run" in step) == ("uses" in step):
            problems.append(f"{where}: needs exactly one of `run` and `uses`")
        if "run" in step:
            if not step.get("shell"):
                problems.append(f"{where}: a `run` step of a composite action needs `shell`")
            if "${{" in str(step["run"]):
                problems.append(f"{where}: `${{{{` inside `run:` (pass the value through `env:`)")
        for expr in expressions(step):
            for name in INPUT_REF.findall(expr):
                if name not in inputs:
                    problems.append(f"{where}: `inputs.{name}` is not a declared input")
            for sid in STEP_REF.findall(expr):
                if sid not in ids:
                    problems.append(f"{where}: `steps.{sid}` is not an earlier step's id")
        if step.get("id"):
            ids.append(step["id"])
    for name, spec in (action.get("outputs") or {}).items():
        for expr in expressions(spec):
            for sid in STEP_REF.findall(expr):
                if sid not in ids:
                    problems.append(f"output `{name}`: `steps.{sid}` is not a step's id")
    return problems


def as_workflow(action):
    """The action's steps as the one job of a workflow_dispatch workflow (inputs as strings)."""
    inputs = {
        name: {"description": spec.get("description", ""), "type": "string",
               "required": False, "default": str(spec.get("default", ""))}
        for name, spec in (action.get("inputs") or {}).items()
    }
    return {
        "name": "action.yml as a workflow (for actionlint)",
        "on": {"workflow_dispatch": {"inputs": inputs}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }


def main(argv):
    if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--workflow"):
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    path = argv[1]
    try:
        with open(path, encoding="utf-8") as f:
            action = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        print(f"{path}: {e}".replace("\n", " "), file=sys.stderr)
        return 2
    problems = check(action)
    for p in problems:
        print(f"{path}: {p}")
    if len(argv) == 4 and not problems:
        with open(argv[3], "w", encoding="utf-8") as f:
            yaml.safe_dump(as_workflow(action), f, sort_keys=False, width=1000)
    print(f"action_check: {path}, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
