#!/usr/bin/env python3
"""Checks the source tree's layering (docs/architecture.md, "Folders").

Every `#include "a/b/c.h"` of a project header must go from a folder to one
the table below lets it include: the core components form a stack, the
roles sit on the core, the `veritrain` command on the roles. The top level
of scenarios/ holds presets and build files only; its program lives in
subfolders.

Usage: check_layering.py SOURCE_DIR. Prints each violation as
"file:line: what" and exits 1 when there is any, else prints a summary.
"""
import os
import re
import sys

# folder -> the folders it may include (besides itself).
CORE = {
    "core/util": [],
    "core/crypto": ["core/util"],
    "core/state": ["core/util", "core/crypto"],
    "core/wire": ["core/util", "core/crypto", "core/state"],
    "core/protocol": ["core/util", "core/crypto", "core/state", "core/wire"],
    "core/transport": ["core/util", "core/crypto", "core/state", "core/wire"],
    "core/role": ["core/util", "core/crypto", "core/state", "core/wire", "core/transport"],
    "core/train": ["core/util", "core/crypto", "core/state", "core/wire", "core/protocol"],
    "core/pol": ["core/util", "core/crypto", "core/state", "core/wire", "core/protocol",
                 "core/train"],
}
ALL_CORE = sorted(CORE)
ALLOWED = dict(CORE)
for role in ("arbiter", "solver", "verifier"):
    ALLOWED[role] = ALL_CORE
ALLOWED["scenarios"] = ALL_CORE + ["arbiter", "solver", "verifier"]
ALLOWED["examples"] = ALL_CORE
# tests/ may include anything.

SOURCE = (".h", ".cc", ".cpp", ".hpp")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def folder_of(path):
    parts = path.split("/")
    if parts[0] == "core" and len(parts) > 2:
        return "core/" + parts[1]
    return parts[0] if len(parts) > 1 else None


def check(root):
    problems = []
    files = 0
    for top in sorted(ALLOWED):
        base = os.path.join(root, top)
        if not os.path.isdir(base):
            continue
        for dirpath, _, names in os.walk(base):
            for name in sorted(names):
                if not name.endswith(SOURCE):
                    continue
                rel = os.path.relpath(os.path.join(dirpath, name), root)
                if os.path.dirname(rel) == "scenarios":
                    problems.append(f"{rel}:1: C++ at the top level of scenarios/, which holds "
                                    "presets; the program lives in its subfolders")
                src = folder_of(rel)
                if src not in ALLOWED:
                    continue
                files += 1
                with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
                    for n, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        inc = m.group(1)
                        dst = folder_of(inc)
                        if dst is None or dst == src or not os.path.exists(os.path.join(root, inc)):
                            continue
                        if dst not in ALLOWED[src]:
                            problems.append(f"{rel}:{n}: {src} may not include {inc} ({dst}); "
                                            f"it may include {', '.join(ALLOWED[src]) or 'nothing else'}")
    return problems, files


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-3], file=sys.stderr)
        return 2
    problems, files = check(sys.argv[1])
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} layering violation(s)")
        return 1
    print(f"layering: {files} files, every include within the allowed folders")
    return 0


if __name__ == "__main__":
    sys.exit(main())
