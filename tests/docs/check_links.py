#!/usr/bin/env python3
"""Checks the relative links of every Markdown file of the repository.

    python3 tests/docs/check_links.py [REPO_ROOT]

A link [text](target) or a reference [label]: target that is not a URL
(http:, https:, mailto:) must name a file or folder of the repository,
relative to the Markdown file, that exists; an anchor (#section, alone or
after a .md path) must be a heading of that file, as GitHub makes anchors
from headings. Links in fenced code blocks and inline code are ignored.
Exit status 0 when every link resolves, 1 otherwise (each broken link is
printed as file:line: target: reason).
"""
import os
import re
import sys

SKIP_DIRS = {".git", "node_modules", ".cache"}
INLINE = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")


def markdown_files(root):
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        dirnames[:] = [d for d in dirnames
                       if d not in SKIP_DIRS and not (rel == "." and d.startswith("build"))]
        for name in filenames:
            if name.endswith(".md"):
                yield os.path.join(dirpath, name)


def prose_lines(path, keep_code=False):
    """(line number, text) of the lines outside fenced code; inline code
    removed unless keep_code."""
    fence = None
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            stripped = line.lstrip()
            marker = stripped[:3]
            if marker in ("```", "~~~"):
                if fence is None:
                    fence = marker
                elif marker == fence:
                    fence = None
                continue
            if fence is None:
                yield number, line if keep_code else re.sub(r"`[^`]*`", "", line)


def slug(heading):
    """GitHub's anchor for a heading."""
    text = re.sub(r"`", "", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link's text
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path):
    seen = {}
    out = set()
    for _, line in prose_lines(path, keep_code=True):
        m = HEADING.match(line)
        if not m:
            continue
        s = slug(m.group(1))
        n = seen.get(s, 0)
        out.add(s if n == 0 else f"{s}-{n}")
        seen[s] = n + 1
    return out


def check(root):
    problems = []
    root = os.path.abspath(root)
    for md in sorted(markdown_files(root)):
        for number, line in prose_lines(md):
            targets = [m.group(1) for m in INLINE.finditer(line)]
            ref = REFERENCE.match(line)
            if ref:
                targets.append(ref.group(1))
            for target in targets:
                if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target):
                    continue  # a URL
                path_part, _, anchor = target.partition("#")
                where = f"{os.path.relpath(md, root)}:{number}: {target}"
                if path_part.startswith("/"):
                    problems.append(f"{where}: an absolute path does not resolve in a clone")
                    continue
                resolved = os.path.normpath(os.path.join(os.path.dirname(md), path_part))
                if os.path.relpath(resolved, root).startswith(".."):
                    problems.append(f"{where}: outside the repository")
                    continue
                if path_part and not os.path.exists(resolved):
                    problems.append(f"{where}: no such file")
                    continue
                if anchor:
                    page = resolved if path_part else md
                    if page.endswith(".md") and anchor not in anchors(page):
                        problems.append(f"{where}: no heading #{anchor} in "
                                        f"{os.path.relpath(page, root)}")
    return problems


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    problems = check(root)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} broken link(s)")
        return 1
    print("every relative link of the Markdown files resolves")
    return 0


if __name__ == "__main__":
    sys.exit(main())
