"""A `tiercheck project --format json` report on a template under a tier is clean: no error, no
warning, nothing contradicting the tier, and nothing missing that only the project's own files can
supply (custom profiles: Cargo cannot define a profile from the environment). Techniques the
tier's environment sets (linker, rustflags, Cranelift) may be absent from the files by design.

usage: project_clean.py REPORT-JSON   (exit 1 and one line saying why when not clean)
"""
import json
import sys

r = json.loads(sys.argv[1])
files_only = {"custom-profiles"}
problems = [f"{f['rule']}: {f['message'][:160]}" for f in r["findings"] if f["severity"] in ("error", "warning")]
problems += [f"{t['id']} {t['status']}" for t in r["facts"]["tier_techniques"]
             if t["status"] == "contradicts" or (t["status"] == "lacks" and t["id"] in files_only)]
if problems:
    print("; ".join(problems))
    sys.exit(1)
