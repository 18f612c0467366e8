#!/usr/bin/env python3
"""The toolchain checker finds what it is shown: setup.sh and the release
preset naming different compilers, a preset compiler setup.sh does not
install, a preset without a compiler; and passes a consistent pair."""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_toolchain  # noqa: E402

SETUP = """#!/usr/bin/env bash
PACKAGES=(
  cmake ninja-build {packages}   # compilers
  libtorch-dev
)
CXX_COMPILER="$(command -v "${{CXX:-{default}}}")"
"""


def presets(**compilers):
    return {"version": 3, "configurePresets": [
        {"name": n, "cacheVariables": ({"CMAKE_CXX_COMPILER": c} if c else {})}
        for n, c in compilers.items()]}


class CheckToolchainTest(unittest.TestCase):
    def tree(self, packages, default, preset_map):
        d = tempfile.TemporaryDirectory()
        self.addCleanup(d.cleanup)
        with open(os.path.join(d.name, "setup.sh"), "w") as f:
            f.write(SETUP.format(packages=packages, default=default))
        with open(os.path.join(d.name, "CMakePresets.json"), "w") as f:
            json.dump(preset_map, f)
        return d.name

    def test_a_consistent_pair_passes(self):
        root = self.tree("clang-14 g++", "clang++-14",
                         presets(release="clang++-14", asan="clang++-14"))
        self.assertEqual(check_toolchain.check(root), [])

    def test_setup_and_release_preset_naming_different_compilers(self):
        root = self.tree("clang-14 g++", "g++", presets(release="clang++-14"))
        problems = check_toolchain.check(root)
        self.assertEqual(len(problems), 1)
        self.assertIn("setup.sh builds with g++ but the release preset with clang++-14",
                      problems[0])

    def test_a_compiler_setup_does_not_install(self):
        root = self.tree("g++", "g++", presets(release="g++", fuzz="clang++-15"))
        problems = check_toolchain.check(root)
        self.assertEqual(problems, [
            "preset 'fuzz': compiler clang++-15 comes from package clang-15, "
            "which setup.sh does not install"])

    def test_a_preset_without_a_compiler(self):
        root = self.tree("clang-14", "clang++-14", presets(release="clang++-14", asan=None))
        self.assertEqual(check_toolchain.check(root),
                         ["CMakePresets.json: preset 'asan' does not name its compiler"])


if __name__ == "__main__":
    unittest.main()
