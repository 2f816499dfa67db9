#!/usr/bin/env python3
"""tiercheck's long functions (issue 23: nothing over ~60 lines outside tests and tables).

  fn_lengths.py [N] [SRC]   every `fn` in SRC (default checker/src next to this script) longer
                            than N lines (default 60), as `path:line name length`, longest
                            first; exit 0 (a report, not a gate)

A function's length is its lines from the one its `fn` stands on to the one of its closing
brace, both counted (so a multi-line signature counts too). Test code (every `#[cfg(test)]` item, so the `mod tests` blocks) is
not read, nor are comments, strings and char literals: the lexer is module_graph.py's, which
keeps newlines, so line numbers stay those of the file. A nested `fn` is listed on its own and
also counts towards the function around it.
"""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from module_graph import closing_brace, drop_test_code, strip_code  # noqa: E402

# Tables: long because they list one entry a line, not because they do several things. Keyed
# by path under SRC and fn name.
ALLOWED = {
    # One (why, fix) pair of texts per rule: a match over the rule list.
    ("rule_docs.rs", "why_and_fix"),
}


def body_end(code: str, i: int):
    """The index of the `}` closing the body that opens at or after i, or None when the
    signature ends in `;` (a declaration without a body). `;` inside `(..)` or `[..]` (an
    array type `[u8; 4]`) is part of the signature."""
    depth = 0
    while i < len(code):
        c = code[i]
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == ";" and depth == 0:
            return None
        elif c == "{" and depth == 0:
            break
        i += 1
    return closing_brace(code, i)


def lengths(src: Path):
    """(path, line, name, length) for every fn with a body under src."""
    for file in sorted(src.rglob("*.rs")):
        rel = file.relative_to(src).as_posix()
        code = drop_test_code(strip_code(file.read_text()))
        for m in re.finditer(r"\bfn\s+(\w+)", code):
            end = body_end(code, m.end())
            if end is None:
                continue
            line = code.count("\n", 0, m.start()) + 1
            yield rel, line, m.group(1), code.count("\n", m.start(), end) + 1


def main() -> int:
    args = sys.argv[1:]
    limit = int(args.pop(0)) if args and args[0].isdigit() else 60
    src = Path(args[0]) if args else Path(__file__).resolve().parent.parent / "checker" / "src"
    rows = [r for r in lengths(src) if r[3] > limit and (r[0], r[2]) not in ALLOWED]
    for path, line, name, n in sorted(rows, key=lambda r: (-r[3], r[0], r[1])):
        print(f"{path}:{line} {name} {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
