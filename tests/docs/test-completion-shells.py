#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""zsh and fish completion (issue 20, point 11): the scripts parse (zsh -n,
fish --no-execute) where the shells are installed, offer every option each
program's --help prints (the parser of test-man-options.py), and fish
completes the planes for `ioreg -p` and the options for `ioreg --li`.

usage: test-completion-shells.py BUILD_DIR SOURCE_DIR
"""
import importlib.util
import os
import re
import shutil
import subprocess
import sys

build, src = sys.argv[1], sys.argv[2]
spec = importlib.util.spec_from_file_location("man_options", f"{src}/tests/docs/test-man-options.py")
man_options = importlib.util.module_from_spec(spec)
spec.loader.exec_module(man_options)
failures = []

zsh_text = open(f"{src}/completion/_ioreg").read()
sections = dict(re.findall(r"^(\w+)\)\n(.*?)\n        ;;", zsh_text, re.S | re.M))
for program, path in [("ioreg", "cli/ioreg"), ("ioclasscount", "cli/ioclasscount"), ("ioregd", "daemon/ioregd")]:
    options = man_options.help_options(subprocess.run([f"{build}/{path}", "--help"], capture_output=True,
                                                       text=True, check=True).stdout)
    fish = open(f"{src}/completion/{program}.fish").read()
    section = sections.get(program, "")
    for o in sorted(options):
        if o.startswith("--"):
            in_zsh = re.search(rf"['{{,)*]{re.escape(o)}[=+\[,'}}]", section)
            in_fish = re.search(rf"-l {re.escape(o[2:])}\b", fish)
        else:
            in_zsh = re.search(rf"['{{,(]{re.escape(o)}[+\[,'}}]", section)
            in_fish = re.search(rf"-s {re.escape(o[1:])}\b", fish)
        if not in_zsh:
            failures.append(f"zsh: {program} {o} not offered")
        if not in_fish:
            failures.append(f"fish: {program} {o} not offered")
    print(f"{program}: {len(options)} options in zsh and fish")

if shutil.which("zsh"):
    r = subprocess.run(["zsh", "-n", f"{src}/completion/_ioreg"], capture_output=True, text=True)
    if r.returncode or r.stderr:
        failures.append(f"zsh -n: {r.stderr}")
    if not zsh_text.startswith("#compdef ioreg ioclasscount ioregd\n"):
        failures.append("_ioreg does not register the three programs")
else:
    print("zsh is not installed: not parsed")
if shutil.which("fish"):
    env = dict(os.environ, IOREG_BUS_ADDRESS="unix:path=/nonexistent/bus", PATH=f"{build}/cli:{os.environ['PATH']}")
    for f in ["ioreg.fish", "ioclasscount.fish", "ioregd.fish"]:
        r = subprocess.run(["fish", "--no-execute", f"{src}/completion/{f}"], capture_output=True, text=True)
        if r.returncode or r.stderr:
            failures.append(f"fish --no-execute {f}: {r.stderr}")

    def complete(line):
        r = subprocess.run(["fish", "--no-config", "-c", f"source {src}/completion/ioreg.fish; complete -C '{line}'"],
                           capture_output=True, text=True, env=env)
        return sorted(x.split("\t")[0] for x in r.stdout.splitlines())
    if complete("ioreg -p ") != ["IODeviceTree", "IOPower", "IOService", "IOUSB"]:
        failures.append(f"fish: ioreg -p offers {complete('ioreg -p ')}")
    if complete("ioreg --li") != ["--linux"]:
        failures.append(f"fish: ioreg --li offers {complete('ioreg --li')}")
else:
    print("fish is not installed: not parsed")

for f in failures:
    print("FAIL: " + f, file=sys.stderr)
sys.exit(1 if failures else 0)
