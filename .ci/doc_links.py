"""Checks every link in the README and the book (docs/*.md): a relative link must name a file
that exists (and a heading that exists, for #anchors into Markdown), a link into this
repository on GitHub must name a file of the checkout, and every book page must be in
docs/SUMMARY.md. Offline: other URLs are not fetched. Prints one line per broken link and
"N passed, N failed"; exits 1 on any.

usage: doc_links.py REPO_ROOT
"""
import os
import re
import sys

root = sys.argv[1]
REPO = "https://github.com/rust-tiers/rust-tiers/blob/main/"
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def slugs(path):
    """GitHub/mdBook heading anchors of a Markdown file."""
    out, fence = set(), False
    for line in open(path, encoding="utf-8"):
        if line.startswith("```"):
            fence = not fence
        m = None if fence else re.match(r"^#{1,6} (.*)", line)
        if m:
            s = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-")
            out.add(s)
    return out


def check(md, target):
    if target.startswith(REPO):
        path = os.path.join(root, target[len(REPO):].split("#")[0])
        return None if os.path.exists(path) else f"{target}: no such file in the repository"
    if re.match(r"^(https?:|mailto:)", target):
        return None
    path, _, frag = target.partition("#")
    full = os.path.normpath(os.path.join(os.path.dirname(md), path)) if path else md
    if not os.path.exists(full):
        return f"{target}: no such file"
    if frag and full.endswith(".md") and frag not in slugs(full):
        return f"{target}: no heading #{frag}"
    return None


def main():
    docs = os.path.join(root, "docs")
    pages = [os.path.join(root, "README.md")]
    pages += [os.path.join(docs, f) for f in sorted(os.listdir(docs)) if f.endswith(".md")]
    summary = open(os.path.join(docs, "SUMMARY.md"), encoding="utf-8").read()
    passed = failed = 0
    for md in pages:
        fence = False
        for n, line in enumerate(open(md, encoding="utf-8"), 1):
            if line.startswith("```"):
                fence = not fence
            for target in [] if fence else LINK.findall(line):
                why = check(md, target)
                if why:
                    failed += 1
                    print(f"FAIL  {os.path.relpath(md, root)}:{n}: {why}")
                else:
                    passed += 1
        name = os.path.basename(md)
        in_book = md.startswith(docs) and name != "SUMMARY.md"
        if in_book and f"({name})" not in summary:
            failed += 1
            print(f"FAIL  docs/{name}: not in docs/SUMMARY.md")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


sys.exit(main())
