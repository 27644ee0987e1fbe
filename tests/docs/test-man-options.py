#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The options a program's --help prints and the options its man page's
OPTIONS section defines (entries whose line starts with a bold *-x* or
*--long* in the scdoc source) are the same: none undocumented, none
documented that the program does not have.

usage: test-man-options.py BUILD_DIR SOURCE_DIR
"""
import re
import subprocess
import sys

PROGRAMS = [
    # program, man page, fewest options --help must print (guards the parser)
    ("daemon/ioregd", "ioregd.8.scd", 11),
    ("cli/ioreg", "ioreg.8.scd", 21),
    ("cli/ioclasscount", "ioclasscount.8.scd", 3),
]

OPTION = re.compile(r"(--[A-Za-z0-9][A-Za-z0-9-]*|-[A-Za-z0-9])(?=$|[\s,=\[])")


def help_options(text):
    """Options from --help: leading option words of each line, and usage clusters."""
    found = set()
    for line in text.splitlines():
        line = line.expandtabs()
        rest = line.strip()
        # An option starts its line near the margin; deeper lines continue a description.
        if len(line) - len(line.lstrip()) >= 10:
            rest = ""
        while True:
            m = OPTION.match(rest)
            if not m:
                break
            found.add(m.group(1))
            rest = rest[m.end():]
            rest = re.sub(r"^(=\S*|\[=[^\]]*\])", "", rest)  # --from=FILE, --wait-quiet[=SEC]
            rest = rest.lstrip(" \t,")
        if line.lower().startswith("usage:"):
            for cluster in re.findall(r"\[-([A-Za-z0-9]+)\]", line):  # [-abfijl...]
                found.update("-" + c for c in cluster)
            for opt in re.findall(r"\[(-[A-Za-z0-9]|--[A-Za-z0-9-]+)[\s=\]]", line):
                found.add(opt)
    return found


def defined_options(scd):
    """Options defined in the OPTIONS section: lines starting with *-..."""
    m = re.search(r"^# OPTIONS\n(.*?)(?=^# )", scd, re.S | re.M)
    if not m:
        return None
    found = set()
    for line in m.group(1).splitlines():
        if line.startswith("*-"):
            found.update(re.findall(r"\*(-[A-Za-z0-9]|--[A-Za-z0-9-]+)(?=\*|=|\[)", line))
    return found


def main():
    build, src = sys.argv[1], sys.argv[2]
    failures = []
    for program, page, least in PROGRAMS:
        p = subprocess.run([f"{build}/{program}", "--help"], capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            failures.append(f"{program} --help exits {p.returncode}: {p.stderr.strip()}")
            continue
        options = help_options(p.stdout)
        if len(options) < least:
            failures.append(f"{program} --help: found only {sorted(options)}; the parser or the help is wrong")
        scd = open(f"{src}/man/{page}", encoding="utf-8").read()
        defined = defined_options(scd)
        if defined is None:
            failures.append(f"man/{page}: no OPTIONS section")
            continue
        for option in sorted(options - defined):
            failures.append(f"man/{page}: {option} (printed by {program} --help) has no entry in OPTIONS")
        for option in sorted(defined - options):
            failures.append(f"man/{page}: documents {option}, which {program} --help does not print")
        print(f"{program}: {' '.join(sorted(options))}")
    for f in failures:
        print("FAIL: " + f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
