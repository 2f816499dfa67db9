"""Writes the Results block of docs/tune.md from the runs .ci/tune-docs.sh saved in docs/tune/:
for each run, its header, each decision's outcome, the confirmation run and the result, as tune
printed them, with links to the whole text, the JSON and the chart.

usage: tune_docs.py PAGE DIR RUN...   (RUN = project-tier, e.g. ripgrep-tier1)
"""
import os
import sys

from doc_block import replace_block

page, folder, runs = sys.argv[1], sys.argv[2], sys.argv[3:]
rel = os.path.relpath(folder, os.path.dirname(page))


def summary(lines):
    out, decision, in_confirmation = [], None, False
    for line in lines:
        if line.startswith("tune "):
            out.append(line)
        elif line and not line.startswith(" ") and ": the tier's default is" in line:
            decision = line.split(":")[0]
        elif line.strip().startswith("->") and decision and not in_confirmation:
            out.append(f"{decision} {line.strip()}")
        elif line.startswith("  not measured here"):
            out.append(line.strip())
        elif line.startswith("  not measured") or line.startswith("not measured"):
            out.append(f"{decision or ''}: {line.strip()}")
        elif line.startswith("confirmation"):
            in_confirmation = True
            out.append(line)
        elif in_confirmation and line.startswith("  "):
            out.append(line)
        elif line.startswith("result:"):
            in_confirmation = False
            out.append(line)
    return out


blocks = []
for run in runs:
    path = os.path.join(folder, f"{run}.txt")
    if not os.path.exists(path):
        continue
    project, tier = run.rsplit("-", 1)
    lines = open(path).read().splitlines()
    blocks += [f"### {project}, {tier}", "", "```text", *summary(lines), "```", "",
               f"The whole run: [{run}.txt]({rel}/{run}.txt), [JSON]({rel}/{run}.json), "
               f"[chart]({rel}/{run}.svg).", ""]

replace_block(page, "tune", "\n".join(blocks), ".ci/tune-docs.sh")
