#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
check-hot.py: the functions marked _hot_ (common/util/macro.h) lie together in ioregd's text.

GCC puts a hot function in .text.hot and GNU ld gathers every .text.hot input section in one run,
so the uevent → signal path touches few code pages after a sleep (DESIGN.md, "Code layout"). This
checks that the grouping really happens with this toolchain: every _hot_ function the binary has
out of line (clones included; their .cold parts belong in .text.unlikely) lies in one run of the
text with no other function inside, and the run spans at most --max-pages 4 KiB pages (not
checked under sanitizers, whose code is about 6 times larger).

usage: check-hot.py BINARY SOURCE_ROOT [--max-pages N] [--optimization O] [--sanitize S] [--toolchain CC/LINKER]
       check-hot.py --self-test
"""
import os
import re
import subprocess
import sys

PAGE = 4096
DIRS = ("common", "daemon")
HOT_DEF = re.compile(r"^_hot_ [^(]*?\b(\w+)\(")
CLONE = re.compile(r"\.(part|isra|constprop|localalias|cold)(\.\d+)?")


def hot_functions(root):
    """(path, name) of every definition that starts with _hot_, path relative to root."""
    hot = set()
    for d in DIRS:
        for dirpath, _, files in os.walk(os.path.join(root, d)):
            for f in files:
                if not f.endswith(".c"):
                    continue
                path = os.path.join(dirpath, f)
                with open(path, encoding="utf-8") as fh:
                    for line in fh:
                        m = HOT_DEF.match(line)
                        if m:
                            hot.add((os.path.relpath(path, root), m.group(1)))
    return hot


def parse_nm(text):
    """Text symbols of `nm -l -n -S --defined-only`: (address, size, name, source path)."""
    syms, seen = [], set()
    for line in text.splitlines():
        fields = line.split(None, 4)
        if len(fields) < 4 or fields[2] not in "tT" or int(fields[1], 16) == 0:
            continue
        addr = int(fields[0], 16)
        if addr in seen:  # a .localalias at its function's address
            continue
        seen.add(addr)
        where = fields[4].rsplit(":", 1)[0] if len(fields) == 5 else ""
        syms.append((addr, int(fields[1], 16), fields[3], os.path.normpath(where)))
    return syms


def check(syms, hot, max_pages):
    """Returns (errors, summary)."""
    paths = {}
    for path, name in hot:
        paths.setdefault(name, []).append(path)

    def is_hot(sym):
        _, _, name, where = sym
        if ".cold" in name:
            return False
        return any(("/" + where).endswith("/" + path) for path in paths.get(CLONE.sub("", name), ()))

    marked = [s for s in syms if is_hot(s)]
    if not marked:
        return ["none of the %d _hot_ functions is in the binary's text" % len(hot)], ""
    lo = min(s[0] for s in marked)
    hi = max(s[0] + s[1] for s in marked)
    intruders = [s for s in syms if lo <= s[0] < hi and not is_hot(s)]
    errors = ["%s (%s) at 0x%x lies among the _hot_ functions: the grouping failed" % (s[2], s[3], s[0])
              for s in intruders[:10]]
    if len(intruders) > 10:
        errors.append("and %d more unmarked functions among them" % (len(intruders) - 10))
    pages = (hi - 1) // PAGE - lo // PAGE + 1
    if max_pages is not None and pages > max_pages:
        errors.append("the _hot_ functions span %d pages, more than %d: mark less, or raise the limit "
                      "knowing the add pays a TLB miss per page after each sleep" % (pages, max_pages))
    found = {CLONE.sub("", s[2]) for s in marked}
    summary = "%d of %d _hot_ functions out of line (the rest inlined), %d bytes at 0x%x, %d pages" % (
        len(found), len(hot), hi - lo, lo, pages)
    return errors, summary


def self_test():
    hot = {("daemon/a.c", "f"), ("daemon/a.c", "g"), ("common/b.c", "h")}
    nm = "\n".join([
        "0000000000001000 0000000000000100 t f\t/x/daemon/a.c:3",
        "0000000000001100 0000000000000100 t g.part.0\t/x/daemon/a.c:9",
        "0000000000001100 0000000000000100 t g.localalias\t/x/daemon/a.c:9",
        "0000000000001200 0000000000000100 T h\t/x/common/b.c:1",
        "0000000000001300 0000000000000100 t k\t/x/common/b.c:7",
        "0000000000009000 0000000000000040 t f.cold\t/x/daemon/a.c:3",
    ])
    errors, _ = check(parse_nm(nm), hot, 1)
    assert errors == [], errors
    # An unmarked function inside the run, and a same-named static of another file: both fail.
    intruder = nm.replace("t g.part.0\t/x/daemon/a.c:9", "t g.part.0\t/x/daemon/c.c:9")
    errors, _ = check(parse_nm(intruder), hot, 1)
    assert len(errors) == 1 and "g.part.0" in errors[0], errors
    moved = nm.replace("0000000000001200 0000000000000100 T h", "0000000000003200 0000000000000100 T h")
    errors, _ = check(parse_nm(moved), hot, 4)
    assert any("k (" in e for e in errors), errors
    errors, _ = check(parse_nm(nm), hot, 0)
    assert any("span 1 pages" in e for e in errors), errors
    errors, _ = check(parse_nm(nm), {("daemon/z.c", "z")}, 8)
    assert errors and "none of" in errors[0], errors
    print("self-test passed")
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    binary, root = argv[1], argv[2]
    max_pages = int(argv[argv.index("--max-pages") + 1]) if "--max-pages" in argv else 20
    optimization = argv[argv.index("--optimization") + 1] if "--optimization" in argv else "2"
    sanitize = argv[argv.index("--sanitize") + 1] if "--sanitize" in argv else "none"
    if sanitize != "none":
        # Instrumented code is about 6 times larger: the grouping is checked, the size is not.
        print("page limit not applied: built with -fsanitize=%s" % sanitize)
        max_pages = None
    if optimization not in ("2", "3", "s"):
        # GCC places hot functions in .text.hot only with -freorder-functions (-O2, -O3, -Os).
        print("SKIP: optimization=%s: GCC groups hot functions only at -O2, -O3 and -Os" % optimization)
        return 77
    toolchain = argv[argv.index("--toolchain") + 1] if "--toolchain" in argv else "gcc/ld.bfd"
    if toolchain != "gcc/ld.bfd":
        # clang and lld or gold do not promise to gather .text.hot: the grouping is GCC's and GNU ld's.
        print("SKIP: toolchain %s: the grouping is checked with gcc and GNU ld (ld.bfd)" % toolchain)
        return 77
    hot = hot_functions(root)
    if not hot:
        print("no _hot_ definition under %s: nothing marks the uevent path" % root)
        return 1
    out = subprocess.run(["nm", "-l", "-n", "-S", "--defined-only", binary], check=True, capture_output=True,
                         text=True).stdout
    syms = parse_nm(out)
    if not any(s[3] != "." for s in syms):
        print("SKIP: %s has no line information (built without -g): nm cannot tell same-named statics apart"
              % binary)
        return 77
    errors, summary = check(syms, hot, max_pages)
    for e in errors:
        print("FAIL: " + e)
    if summary:
        print(summary)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
