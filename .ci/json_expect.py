"""Checks fields of `tiercheck binary --format json` output for the first binary.

usage: json_expect.py JSON FIELD=VALUE...   (dotted paths under facts.binaries[0]; exit 1 + reason)
       json_expect.py --summary JSON        (one line: linker, strip, split, bolt, pgo)
"""
import json
import sys


def field(obj, path):
    for part in path.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return "<missing>"
        obj = obj[part]
    return obj


def text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return "null" if v is None else str(v)


def main(argv):
    if argv[0] == "--summary":
        b = json.loads(argv[1])["facts"]["binaries"][0]
        e = b["elf"]
        bolt = "no" if e["bolt"] is None else ("instrumented" if e["bolt"]["instrumented"] else "yes")
        print(f"linker={e['linker']} strip={e['stripped']} split={b['split_debuginfo']} "
              f"bolt={bolt} pgo-instr={text(e['pgo_instrumented'])} class={e['class']} machine={e['machine']}")
        return 0
    report = json.loads(argv[0])
    b = report["facts"]["binaries"][0]
    wrong = []
    for spec in argv[1:]:
        path, want = spec.split("=", 1)
        got = text(field(b, path))
        if got != want:
            wrong.append(f"{path}={got} (want {want})")
    errors = [f["message"] for f in report["findings"] if f["severity"] == "error"]
    if wrong or errors:
        print("; ".join(wrong + errors))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
