# SPDX-License-Identifier: LGPL-2.1-or-later
# fuzz/targets.sh: what ./fuzz runs, sourced by it. One line per target:
# name, -max_len, dictionary (or -), then the seed directories besides
# fuzz/corpus/<name>/ (checked-in test data, read, never written).
# fuzz/meson.build names the same directories for the replay tests.
IOREG_FUZZ_TARGETS=(
        "personality-json 65536 fuzz/match.dict tests/data/personalities"
        "personality-plist 65536 - tests/data/plists tests/data/personalities"
        "match 8192 fuzz/match.dict"
        "bus-value 4096 -"
        "snapshot 16384 fuzz/snapshot.dict tests/data/ioreg"
)
