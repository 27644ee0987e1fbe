#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""gen-man3.py: section 3 man pages for libioreg, from its public headers.

Every function declared in a header with a comment right above it gets a
page NAME.3 (NAME, SYNOPSIS with its #include, DESCRIPTION from the
comment, SEE ALSO); libioreg.3 lists the headers and their calls. The
headers are the one source: a call documented there is documented here.

usage: gen-man3.py --list HEADER...            the page names, one a line
       gen-man3.py --out DIR --version V HEADER...   writes the pages
"""
import os
import re
import sys

DECL = re.compile(r"^([A-Za-z_][\w \*]*?[\s\*])(ioreg_\w+)\s*\(([^;{]*?)\)\s*(__attribute__\(\(.*?\)\)\s*)?;",
                  re.S | re.M)


def comment_text(c):
    lines = []
    for line in c.splitlines():
        line = line.strip()
        line = re.sub(r"^/\*\*?", "", line)
        line = re.sub(r"\*/$", "", line)
        line = re.sub(r"^\* ?", "", line)
        lines.append(line.rstrip())
    return "\n".join(lines).strip()


def functions(path):
    text = open(path, encoding="utf-8").read()
    out = []
    doc, last_end = None, -1
    for m in DECL.finditer(text):
        before = text[:m.start()].rstrip()
        if before.endswith("*/"):
            doc = comment_text(before[before.rfind("/*"):])
        elif not (doc and last_end >= 0 and text[last_end:m.start()].strip() == ""):
            doc = None
        last_end = m.end()
        if doc is None:
            continue
        # A comment that heads a group of declarations belongs to each of them.
        proto = re.sub(r"\s+", " ", (m.group(1) + m.group(2) + "(" + m.group(3) + ");")).strip()
        out.append((m.group(2), proto, doc))
    return out


def header_summary(path):
    text = open(path, encoding="utf-8").read()
    m = re.search(r"/\*\n \* ioreg/[\w.-]+: (.*?)\*/", text, re.S)
    return comment_text(m.group(1)) if m else ""


def roff(text):
    text = text.replace("\\", "\\e")
    out = []
    for line in text.splitlines():
        if line.startswith((".", "'")):
            line = "\\&" + line
        out.append(line if line else ".PP")
    return "\n".join(out)


def first_sentence(doc):
    s = doc.split("\n\n")[0].replace("\n", " ")
    s = re.sub(r"^\(ioregd addition\)\s*", "", s)
    m = re.match(r"(.+?[.:])(\s|$)", s)
    s = m.group(1) if m else s
    return s.rstrip(".:")[:120]


def main():
    args = sys.argv[1:]
    if args[0] == "--list":
        for h in args[1:]:
            for name, _, _ in functions(h):
                print(name + ".3")
        print("libioreg.3")
        return 0
    out, version, headers = args[1], args[3], args[4:]
    index = []
    for h in headers:
        include = "ioreg/" + os.path.basename(h)
        fns = functions(h)
        index.append((include, header_summary(h), [f[0] for f in fns]))
        for name, proto, doc in fns:
            with open(os.path.join(out, name + ".3"), "w", encoding="utf-8") as f:
                f.write(f'.TH "{name}" "3" "" "libioreg {version}" "libioreg Manual"\n')
                f.write(f".SH NAME\n{name} \\- {roff(first_sentence(doc))}\n")
                f.write(f".SH SYNOPSIS\n.nf\n.B #include <{include}>\n.PP\n.B {roff(proto)}\n.fi\n")
                f.write(".PP\nLink with \\fBpkg-config --cflags --libs libioreg\\fR.\n")
                f.write(f".SH DESCRIPTION\n{roff(doc)}\n")
                f.write(".SH SEE ALSO\n\\fBlibioreg\\fR(3)\n")
    with open(os.path.join(out, "libioreg.3"), "w", encoding="utf-8") as f:
        f.write(f'.TH "libioreg" "3" "" "libioreg {version}" "libioreg Manual"\n')
        f.write(".SH NAME\nlibioreg \\- the I/O Registry client library of ioregd, shaped after IOKitLib\n")
        f.write(".SH SYNOPSIS\n.nf\n.B #include <ioreg/ioreg.h>\n.fi\n.PP\n"
                "Link with \\fBpkg-config --cflags --libs libioreg\\fR.\n")
        f.write(".SH DESCRIPTION\nIOKitLib's calls, named mechanically: drop IO, drop CF, snake case, "
                "prefix ioreg_ (IOServiceGetMatchingServices is ioreg_service_get_matching_services). "
                "Each call has its own page.\n")
        for include, summary, names in index:
            f.write(f'.SS <{include}>\n{roff(summary)}\n.PP\n')
            f.write(", ".join(f"\\fB{n}\\fR(3)" for n in names) + "\n" if names else "")
        f.write(".SH SEE ALSO\n\\fBioreg\\fR(8), \\fBioregd\\fR(8)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
