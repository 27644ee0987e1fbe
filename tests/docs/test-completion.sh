#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The bash completion scripts: they parse (bash -n, silently), each registers
# its command (complete -p), and their functions, called as bash calls them
# (COMP_WORDS, COMP_CWORD), offer the right words.
#   static: no daemon answers: the four planes for ioreg -p, options, files,
#           class names from a --from file.
#   live:   a private bus with ioregd serving a saved registry into an extra
#           plane: -p offers the daemon's planes, -c and ioclasscount the
#           daemon's classes.
# usage: test-completion.sh static|live BUILD_DIR SOURCE_DIR
set -euo pipefail
mode=$1
build=$2
src=$3
. "$src/tests/fixture/private-bus.sh"

# Completes the words given, the last one being the word under the cursor, in
# a fresh bash that has sourced only the script for $1; prints COMPREPLY, one per line.
complete_words() {
        local script=$src/completion/${1##*/}
        bash --norc --noprofile -c '
                script=$1; shift
                source "$script" || exit 1
                spec=$(complete -p "${1##*/}") || exit 1
                fn=${spec#*-F }; fn=${fn%% *}
                COMP_WORDS=("$@")
                COMP_CWORD=$(($# - 1))
                COMP_LINE="$*"
                COMP_POINT=${#COMP_LINE}
                COMPREPLY=()
                "$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" || exit 1
                printf "%s\n" "${COMPREPLY[@]}"
        ' complete-test "$script" "$@"
}

# expect_words "description" "expected words (space-separated, any order)" words...
expect_words() {
        local what=$1 want got
        want=$(tr ' ' '\n' <<< "$2" | LC_ALL=C sort)
        shift 2
        got=$(complete_words "$@" | LC_ALL=C sort) || fail "$what: the completion function failed"
        [ "$got" = "$want" ] || fail "$what: expected [$(echo $want)], got [$(echo $got)]"
}

# expect_has "description" word words...: word is among the completions.
expect_has() {
        local what=$1 word=$2 got
        shift 2
        # Not piped into grep -q: with pipefail, its early exit would fail the pipeline.
        got=$(complete_words "$@") || fail "$what: the completion function failed"
        grep -qxF -- "$word" <<< "$got" || fail "$what: '$word' not offered (got: $(echo $got))"
}

if [ "$mode" = static ]; then
        for name in ioreg ioclasscount ioregd; do
                script=$src/completion/$name
                [ -f "$script" ] || fail "$script is missing"
                # bash -n can print a syntax error and still exit 0: stderr must be empty too.
                bash -n "$script" 2> "$work/err" || fail "bash -n $script: $(cat "$work/err")"
                [ ! -s "$work/err" ] || fail "bash -n $script: $(cat "$work/err")"
                spec=$(bash --norc --noprofile -c 'source "$1" && complete -p "$2"' x "$script" "$name" 2>&1) ||
                        fail "$script does not register $name: $spec"
                [[ $spec == "complete -F _"*" $name" ]] || fail "$name: unexpected registration '$spec'"
        done

        # No daemon anywhere: the static list.
        export IOREG_BUS_ADDRESS=unix:path=$work/no-such-bus
        planes="IOService IOPower IOUSB IODeviceTree"
        expect_words "ioreg -p" "$planes" ioreg -p ""
        expect_words "ioreg -p IO" "$planes" ioreg -p IO
        expect_words "ioreg -lp IOU" "IOUSB" ioreg -lp IOU
        expect_words "ioreg -p after -c" "IOPower" ioreg -c IOMedia -p IOP
        expect_words "ioreg --wa" "--wait-quiet --wait-quiet=" ioreg --wa
        expect_has "ioreg -" "-S" ioreg -
        expect_has "ioreg -" "--from=" ioreg -
        expect_words "ioreg -d" "" ioreg -d ""

        # Files for --from, split at '=' as bash splits it, and not split.
        mkdir -p "$work/dumps"
        touch "$work/dumps/mac-ioreg-l.txt" "$work/dumps/mac.plist"
        expect_words "ioreg --from=" "$work/dumps/mac-ioreg-l.txt $work/dumps/mac.plist" \
                ioreg --from = "$work/dumps/mac"
        expect_words "ioreg --from=FILE unsplit" "--from=$work/dumps/mac.plist" ioreg "--from=$work/dumps/mac.p"
        expect_words "ioclasscount --from=" "$work/dumps/mac.plist" ioclasscount --from = "$work/dumps/mac.p"
        expect_words "ioregd --snapshot=" "$work/dumps/mac-ioreg-l.txt" ioregd --snapshot = "$work/dumps/mac-"
        expect_words "ioregd --personalities=" "$work/dumps" ioregd --personalities = "$work/dum"
        expect_words "ioregd --snapshot-plane=" "IODeviceTree" ioregd --snapshot-plane = IOD
        expect_has "ioregd --" "--personalities=" ioregd --
        expect_words "ioclasscount --h" "--help --host=" ioclasscount --h

        # Class names from a saved registry on the line, through the build's tools.
        dump=$src/tests/data/ioreg/qemu-MacPro7,1-ioreg-tree.txt
        expect_has "ioreg --from=DUMP -c" IOPCIDevice "$build/cli/ioreg" --from = "$dump" -c IOPCID
        expect_has "ioclasscount --from=DUMP" IOPCIDevice "$build/cli/ioclasscount" --from = "$dump" IOPCID
        expect_has "ioclasscount --from=DUMP unsplit" IOPCIDevice "$build/cli/ioclasscount" "--from=$dump" IOPCID
        echo "ok: completion scripts (static)"
        exit 0
fi

[ "$mode" = live ] || fail "unknown mode '$mode'"
command -v busctl >/dev/null 2>&1 || { echo "SKIP: busctl is not installed"; exit 77; }
start_private_bus
# A Mac's saved IOService plane, served as a plane of another name: the daemon's
# Planes then holds a fifth plane that the static list does not.
start_ioregd --snapshot="$src/tests/data/ioreg/qemu-MacPro7,1-ioreg-tree.txt" --snapshot-plane=IOACPIPlane

expect_words "ioreg -p (live)" "IOService IOPower IOUSB IODeviceTree IOACPIPlane" ioreg -p ""
expect_words "ioreg -p IOA (live)" "IOACPIPlane" ioreg -p IOA
expect_has "ioreg -c (live)" IOPCIDevice "$build/cli/ioreg" -c IOPCID
expect_has "ioclasscount (live)" IOPCIDevice "$build/cli/ioclasscount" IOPCI
expect_has "ioclasscount (live)" IOResources "$build/cli/ioclasscount" IOResou
echo "ok: completion scripts (live)"
