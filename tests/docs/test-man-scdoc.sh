#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every man page source builds with scdoc, without a message, into a man page
# with a title line. Skipped (77) where scdoc is not installed.
# usage: test-man-scdoc.sh SOURCE_DIR
set -euo pipefail
src=$1

command -v scdoc >/dev/null 2>&1 || { echo "SKIP: scdoc is not installed"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

n=0
for page in ioregd.8 ioreg.8 ioclasscount.8; do
        scd=$src/man/$page.scd
        [ -f "$scd" ] || { echo "FAIL: $scd is missing" >&2; exit 1; }
        if ! scdoc < "$scd" > "$work/$page" 2> "$work/err"; then
                echo "FAIL: scdoc rejects $scd:" >&2
                cat "$work/err" >&2
                exit 1
        fi
        [ ! -s "$work/err" ] || { echo "FAIL: scdoc complains about $scd:" >&2; cat "$work/err" >&2; exit 1; }
        name=${page%.8}
        grep -q "^\.TH \"$name\" \"8\"" "$work/$page" || { echo "FAIL: $page has no .TH $name 8 line" >&2; exit 1; }
        for section in NAME SYNOPSIS DESCRIPTION OPTIONS "SEE ALSO"; do
                grep -q "^\.SH $section\$" "$work/$page" || { echo "FAIL: $page has no $section section" >&2; exit 1; }
        done
        n=$((n + 1))
done
echo "ok: $n man pages build with scdoc"
