#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The install layout (issue 20, point 1), from what meson would install
(`meson introspect --installed`) and from the built programs:

- every file lands below the prefix (or the sysconfdir, /etc for /usr);
- the example driver servers and their personalities only with
  -Dexamples=true, the families' personalities always;
- COPYING, README.md and docs/*.md in ${datadir}/doc/ioregd (driver servers
  need no sysusers.d user: each gets a dynamic one, driver-user.h); a man page
  per libioreg call (section 3) for every exported ioreg_* function of the
  public headers, and libioreg.3;
- ioregd reads its personalities below the prefix (its --help says where),
  and `meson devenv` gives the daemon the example driver servers' path;
- no installed --help or man page points at a source-tree file.

usage: test-install-layout.py BUILD_DIR SOURCE_DIR
"""
import glob
import json
import os
import re
import subprocess
import sys

build, src = sys.argv[1], sys.argv[2]
failures = []


def check(ok, message):
    if not ok:
        failures.append(message)


def meson(*args):
    return subprocess.run(["meson", *args], capture_output=True, text=True, check=True).stdout


options = {o["name"]: o["value"] for o in json.loads(meson("introspect", "--buildoptions", build))}
prefix, examples = options["prefix"], options["examples"]
datadir = os.path.join(prefix, options["datadir"])
sysconfdir = os.path.join(prefix, options["sysconfdir"])
docdir = os.path.join(datadir, "doc", "ioregd")
installed = sorted(json.loads(meson("introspect", "--installed", build)).values())
names = {os.path.basename(p): p for p in installed}

for p in installed:
    check(p.startswith(prefix + "/") or p.startswith(sysconfdir + "/"), f"installed outside the prefix: {p}")

example_files = ["ioreg-driver-resources", "ioreg-driver-usb-serial", "ioreg-driver-iokit-test",
                 "ioreg-driver-ftdi", "org.ioreg.driver-ftdi.json",
                 "org.ioreg.driver-resources.json", "org.ioreg.driver-usb-serial.json",
                 "com.osxkernel.driver.IOKitTest.json"]
for f in example_files:
    check((f in names) == examples, f"{f}: installed={f in names} with -Dexamples={examples}")
check(names.get("org.ioreg.families.json") == os.path.join(datadir, "ioreg/personalities/org.ioreg.families.json"),
      "the families' personalities are not in ${datadir}/ioreg/personalities")

for f in ["COPYING", "README.md"] + [os.path.basename(d) for d in glob.glob(f"{src}/docs/*.md")]:
    check(os.path.join(docdir, f) in installed, f"{f} not installed in {docdir}")
check("GNU LESSER GENERAL PUBLIC LICENSE" in open(f"{src}/COPYING").read() and
      "Version 2.1" in open(f"{src}/COPYING").read(), "COPYING is not the LGPL 2.1 (the SPDX headers' licence)")


# Section 3: a page for each exported call declared in a public header.
man3 = {os.path.basename(p)[:-2] for p in installed if "/man3/" in p}
check("libioreg" in man3, "no libioreg.3")
nm = subprocess.run(["nm", "-D", "--defined-only", f"{build}/libioreg/libioreg.so"], capture_output=True,
                    text=True, check=True).stdout
exported = {line.split()[-1].split("@")[0] for line in nm.splitlines() if " T " in line}
headers = "".join(open(h).read() for h in glob.glob(f"{src}/libioreg/include/ioreg/*.h"))
declared = {f for f in exported if re.search(rf"\b{f}\s*\(", headers)}
missing = sorted(declared - man3)
check(len(declared) > 80 and not missing, f"{len(declared)} declared calls; no man page for {missing[:10]}")
for page in ["ioreg_service_get_matching_services", "ioreg_registry_entry_create_properties"]:
    path = f"{build}/man/{page}.3"
    check(os.path.exists(path) and f"#include <ioreg/" in open(path).read(), f"{path}: no synopsis")

# Where the built daemon reads personalities, and where the help and man pages point.
help_text = subprocess.run([f"{build}/daemon/ioregd", "--help"], capture_output=True, text=True).stdout
check(os.path.join(datadir, "ioreg/personalities") in help_text and
      os.path.join(sysconfdir, "ioreg/personalities") in help_text,
      f"ioregd --help does not name the prefix's personality folders ({datadir})")
for prog in ["cli/ioreg", "cli/ioclasscount", "daemon/ioregd"]:
    text = subprocess.run([f"{build}/{prog}", "--help"], capture_output=True, text=True).stdout
    check(not re.search(r"(?<![\w/])(docs|tests|daemon|cli)/[\w-]+\.(md|h|c)", text),
          f"{prog} --help points at a source-tree file")
for page in ["ioreg.8", "ioregd.8", "ioclasscount.8"]:
    text = open(f"{build}/man/{page}").read()
    check("@docdir@" not in text and "@datadir@" not in text, f"{page}: unsubstituted @...@")
    check(not re.search(r"\b(docs|daemon)/[\w-]+\.(md|h)", text), f"{page} points at a source-tree file")

# The Python binding: where the system's python3 finds it, once the prefix is /usr (the README's).
module = [p for p in installed if p.endswith("/ioreg/__init__.py")]
check(len(module) == 1, f"the Python binding is not installed: {module}")
if module and os.path.exists("/usr/bin/python3"):
    syspath = subprocess.run(["/usr/bin/python3", "-c", "import sys; print('\\n'.join(sys.path))"],
                             capture_output=True, text=True).stdout.split()
    where = "/usr" + os.path.dirname(os.path.dirname(module[0]))[len(prefix):]
    check(where in syspath, f"{where} (the binding with --prefix=/usr) is not in python3's path {syspath}")

dump = subprocess.run(["meson", "devenv", "-C", build, "--dump"], capture_output=True, text=True).stdout
check(f"{build}/examples/driver-resources" in dump and "IOREG_DRIVER_PATH" in dump,
      "meson devenv sets no IOREG_DRIVER_PATH to the example driver servers")
# The README's commands: the build tree's programs by name (ioregd is in sbindir, which meson leaves
# out of PATH), and the Python binding on the build tree's libioreg.
for cmd in (["ioregd", "--version"], ["ioreg", "--version"], ["ioclasscount", "--version"],
            ["python3", "-c", "import ioreg, os; print(ioreg.__file__, os.environ['IOREG_LIBRARY'])"]):
    run = subprocess.run(["meson", "devenv", "-C", build] + cmd, capture_output=True, text=True)
    check(run.returncode == 0 and run.stdout.strip(),
          f"meson devenv -C build {' '.join(cmd)}: status {run.returncode}, {run.stdout.strip()!r} {run.stderr.strip()!r}")
    if cmd[0] == "python3" and run.returncode == 0:
        check(run.stdout.split()[0].startswith(os.path.join(src, "python")) and
              run.stdout.split()[1].startswith(build + "/libioreg"),
              f"meson devenv's Python binding is not the tree's: {run.stdout.strip()}")

for f in failures:
    print("FAIL: " + f, file=sys.stderr)
print(f"{len(installed)} installed files below {prefix}, examples={examples}, {len(man3)} section-3 pages")
sys.exit(1 if failures else 0)
