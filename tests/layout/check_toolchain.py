#!/usr/bin/env python3
"""The compilers the build is configured with are the ones setup.sh
installs: setup.sh's default compiler (CXX) is the release preset's, and
every preset's compiler comes from a package in setup.sh's list, so that
`bash setup.sh ...` and `cmake --preset ...` work on a fresh machine.

Usage: check_toolchain.py ROOT   (exit status 1 and one line per problem)
"""
import json
import os
import re
import sys


def compiler_package(compiler):
    """The Debian package that installs a compiler command, or None."""
    name = os.path.basename(compiler)
    m = re.fullmatch(r"clang\+\+-(\d+)", name)
    if m:
        return "clang-" + m.group(1)
    m = re.fullmatch(r"g\+\+(-\d+)?", name)
    if m:
        return name
    return None


def setup_packages(text):
    """The package names of setup.sh's PACKAGES=( ... ) list."""
    m = re.search(r"^PACKAGES=\((.*?)^\)", text, re.S | re.M)
    if not m:
        return None
    names = []
    for line in m.group(1).splitlines():
        names += line.split("#", 1)[0].split()
    return set(names)


def check(root):
    problems = []
    with open(os.path.join(root, "setup.sh"), encoding="utf-8") as f:
        setup = f.read()
    with open(os.path.join(root, "CMakePresets.json"), encoding="utf-8") as f:
        presets = json.load(f)

    packages = setup_packages(setup)
    if packages is None:
        return ["setup.sh: no PACKAGES=( ... ) list"]
    defaults = set(re.findall(r"\$\{CXX:-([^}]+)\}", setup))
    if len(defaults) != 1:
        problems.append("setup.sh: expected one default compiler ${CXX:-...}, found %s"
                        % (sorted(defaults) or "none"))
    compilers = {}
    for p in presets.get("configurePresets", []):
        c = p.get("cacheVariables", {}).get("CMAKE_CXX_COMPILER")
        if c is None:
            problems.append("CMakePresets.json: preset %r does not name its compiler" % p["name"])
        else:
            compilers[p["name"]] = c
    if len(defaults) == 1 and compilers.get("release") not in defaults:
        problems.append("setup.sh builds with %s but the release preset with %s"
                        % (next(iter(defaults)), compilers.get("release")))
    for where, c in [("setup.sh", d) for d in sorted(defaults)] + \
            [("preset %r" % n, c) for n, c in sorted(compilers.items())]:
        pkg = compiler_package(c)
        if pkg is None:
            problems.append("%s: unknown compiler %s (no Debian package known for it)" % (where, c))
        elif pkg not in packages:
            problems.append("%s: compiler %s comes from package %s, which setup.sh does not install"
                            % (where, c, pkg))
    return problems


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    problems = check(argv[1])
    for p in problems:
        print(p)
    if not problems:
        print("toolchain: setup.sh and the presets agree, and setup.sh installs every compiler")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
