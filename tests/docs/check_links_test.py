#!/usr/bin/env python3
"""Tests of check_links.py on a small tree of Markdown files."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_links  # noqa: E402


def write(root, path, text):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", encoding="utf-8") as f:
        f.write(text)


class CheckLinksTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.root = os.path.join(self.dir.name, "repo")
        write(self.root, "docs/guide.md", "# Guide\n\n## The `run` command\n\n## Notes\n## Notes\n")
        write(self.root, "scenarios/a.json", "{}")

    def tearDown(self):
        self.dir.cleanup()

    def problems(self, readme):
        write(self.root, "README.md", readme)
        return check_links.check(self.root)

    def test_links_that_resolve_pass(self):
        self.assertEqual(self.problems(
            "[g](docs/guide.md), [s](scenarios/a.json), [d](docs/), "
            "[h](docs/guide.md#the-run-command), [n](docs/guide.md#notes-1), [u](https://x.org/y)\n"
            "[ref]: docs/guide.md#guide\n"), [])

    def test_missing_files_anchors_and_paths_outside_are_named(self):
        found = self.problems("[a](docs/gide.md) [b](docs/guide.md#nothing)\n"
                              "[c](../outside.md) [d](/abs/path.md)\n")
        self.assertEqual(len(found), 4, found)
        self.assertIn("README.md:1: docs/gide.md: no such file", found[0])
        self.assertIn("no heading #nothing in docs/guide.md", found[1])
        self.assertIn("outside the repository", " ".join(found))
        self.assertIn("an absolute path", " ".join(found))

    def test_code_is_not_checked(self):
        self.assertEqual(self.problems("```\n[a](missing.md)\n```\n`[b](missing.md)`\n"), [])


if __name__ == "__main__":
    unittest.main()
