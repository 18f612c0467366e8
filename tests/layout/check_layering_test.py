#!/usr/bin/env python3
"""The layering checker finds what it is shown: an upward include in core,
a role including another role, C++ at the top of scenarios/; and passes a
tree that keeps the rules."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_layering  # noqa: E402


def write(root, path, text=""):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", encoding="utf-8") as f:
        f.write(text)


class CheckLayeringTest(unittest.TestCase):
    def tree(self, files):
        d = tempfile.TemporaryDirectory()
        self.addCleanup(d.cleanup)
        for path, text in files.items():
            write(d.name, path, text)
        return d.name

    def test_a_tree_that_keeps_the_rules_passes(self):
        root = self.tree({
            "core/util/status.h": "",
            "core/wire/message.h": '#include "core/util/status.h"\n',
            "core/protocol/game.h": '#include "core/wire/message.h"\n',
            "arbiter/arbiter.h": '#include "core/protocol/game.h"\n',
            "scenarios/runner/run.cc": '#include "arbiter/arbiter.h"\n',
            "scenarios/quickstart.json": "{}",
        })
        problems, files = check_layering.check(root)
        self.assertEqual(problems, [])
        self.assertEqual(files, 5)

    def test_an_upward_include_in_core_is_named(self):
        root = self.tree({
            "core/protocol/game.h": "",
            "core/wire/message.h": '#include <vector>\n#include "core/protocol/game.h"\n',
        })
        problems, _ = check_layering.check(root)
        self.assertEqual(len(problems), 1)
        self.assertTrue(problems[0].startswith("core/wire/message.h:2: core/wire may not include "
                                               "core/protocol/game.h"), problems[0])

    def test_a_role_including_another_role_is_named(self):
        root = self.tree({
            "solver/solver.h": "",
            "verifier/verifier.cc": '#include "solver/solver.h"\n',
        })
        problems, _ = check_layering.check(root)
        self.assertEqual(len(problems), 1)
        self.assertIn("verifier may not include solver/solver.h", problems[0])

    def test_cpp_at_the_top_of_scenarios_is_named(self):
        root = self.tree({"scenarios/tool.cc": "", "scenarios/quickstart.json": "{}"})
        problems, _ = check_layering.check(root)
        self.assertEqual(len(problems), 1)
        self.assertIn("scenarios/tool.cc:1: C++ at the top level of scenarios/", problems[0])


if __name__ == "__main__":
    unittest.main()
