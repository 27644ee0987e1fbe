/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-snapshot-macs.c: real dumps as people save them (issue 16, cause 7).
 * A real `ioreg -l` printed to a terminal (lines clipped to the width with
 * a '$', a shell prompt and command before it and a prompt after it) loads
 * with every entry, its clipped values marked; the class-chain dumps
 * ("+-o Name class: A:B:C") load; a class the known chains do not list gets
 * one from a known class named the same but for its numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "snapshot.h"

#define DUMP(name) TEST_DATA "/ioreg/" name
#define MACS(name) TEST_DATA "/macs/" name

static char *read_all(const char *path, size_t *ret_len) {
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t len = 0;

        assert_non_null(f);
        assert_int_equal(getdelim(&buf, &len, 0, f) > 0, 1);
        *ret_len = strlen(buf);
        fclose(f);
        return buf;
}

/* The dump as a terminal of width columns shows it (ioreg's clip: width - 1 bytes and '$'), with prompts. */
static char *clip(const char *text, size_t width) {
        size_t cap = strlen(text) + 256, o = 0;
        char *out = malloc(cap);
        const char *p = text;

        assert_non_null(out);
        o += sprintf(out, "user@Mac-mini ~ %% ioreg -l\n");
        while (*p) {
                const char *nl = strchr(p, '\n') ?: p + strlen(p);
                size_t n = nl - p;

                if (n >= width) {
                        memcpy(out + o, p, width - 1);
                        o += width - 1;
                        out[o++] = '$';
                } else {
                        memcpy(out + o, p, n);
                        o += n;
                }
                out[o++] = '\n';
                p = *nl ? nl + 1 : nl;
        }
        o += sprintf(out + o, "user@Mac-mini ~ %% \n");
        return out;
}

static const char *string_of(const Entry *e, const char *key) {
        Value *v = entry_get_property(e, key);

        assert_non_null(v);
        assert_int_equal(value_type(v), VALUE_STRING);
        return value_string(v, NULL);
}

static void test_terminal_dump(void **state _unused_) {
        _cleanup_(registry_freep) Registry *whole = NULL, *clipped = NULL;
        _cleanup_free_ char *text = NULL, *shown = NULL;
        SnapshotError err = {};
        Value *planes;
        size_t len;

        text = read_all(DUMP("hackintosh-Macmini8,1-ioreg-l.txt"), &len);
        shown = clip(text, 100);
        assert_int_equal(registry_new(&whole), 0);
        assert_int_equal(registry_new(&clipped), 0);
        assert_int_equal(snapshot_load_text(whole, whole->service_plane, text, len, &err), 0);
        assert_int_equal(snapshot_load_text(clipped, clipped->service_plane, shown, strlen(shown), &err), 0);
        /*
         * Every entry, none from the prompts; one more: an entry listed under two parents whose
         * class name the clip cut (so its ID too) cannot be known to be one entry.
         */
        assert_int_equal(registry_n_entries(clipped), registry_n_entries(whole) + 1);

        /* A string cut by the clip: what shows, and the '$' that says so. */
        assert_string_equal(string_of(clipped->root, "IOKitBuildVersion"),
                            "Darwin Kernel Version 24.6.0: Tue Apr 21 20:17:54 PDT 2026; root:xnu-1$");
        assert_string_equal(string_of(whole->root, "OS Build Version"), string_of(clipped->root, "OS Build Version"));
        /* A dictionary cut in its third value: the first two whole, the third marked. */
        planes = entry_get_property(clipped->root, "IORegistryPlanes");
        assert_int_equal(value_type(planes), VALUE_DICTIONARY);
        assert_string_equal(value_string(value_dict_get(planes, "IOService"), NULL), "IOService");
        assert_string_equal(value_string(value_dict_get(planes, "IO80211Plane"), NULL), "IO80211Plan$");
        /* An object line cut in its state keeps the ID and the state words it shows. */
        Entry *pe = registry_get_entry(clipped, 0x10000011a);
        assert_non_null(pe);
        assert_string_equal(pe->klass->name, "AppleACPIPlatformExpert");
        assert_true(pe->state & ENTRY_STATE_REGISTERED);
        assert_true(pe->state & ENTRY_STATE_MATCHED);
}

/*
 * Every real dump, as a terminal of any width shows it, loads: down to 10
 * columns, where object lines lose their "+-o" (those entries are lost,
 * not invented) and values their text.
 */
static void test_every_width(void **state _unused_) {
        static const char *const dumps[] = {
                DUMP("hackintosh-M17xR2-MacBookPro8,3-ioreg-l.txt"),     DUMP("hackintosh-Macmini8,1-ioreg-l.txt"),
                DUMP("hackintosh-Macmini8,1-ioreg-p-IOUSB-l.txt"),       DUMP("hackintosh-MacBookPro15,2-ioreg-tree.txt"),
                DUMP("glpi-ioreg-IOUSBDevice1.txt"),                     DUMP("glpi-ioreg-AppleCLCD2.txt"),
                DUMP("robre-archive-ioreg-MacBookPro18,3-A2442-13.1-iw0-classchain.txt"),
        };
        static const size_t widths[] = { 132, 80, 60, 40, 20, 10 };

        for (size_t i = 0; i < ELEMENTSOF(dumps); i++) {
                _cleanup_free_ char *text = NULL;
                size_t len;

                text = read_all(dumps[i], &len);
                for (size_t w = 0; w < ELEMENTSOF(widths); w++) {
                        _cleanup_(registry_freep) Registry *reg = NULL;
                        _cleanup_free_ char *shown = clip(text, widths[w]);
                        SnapshotError err = {};
                        int r;

                        assert_int_equal(registry_new(&reg), 0);
                        r = snapshot_load_text(reg, reg->service_plane, shown, strlen(shown), &err);
                        if (r < 0)
                                fail_msg("%s at %zu columns: line %u: %s", dumps[i], widths[w], err.line, err.message);
                        assert_true(registry_n_entries(reg) >= 2);
                }
        }
}

static void test_prompt_only_is_not_a_dump(void **state _unused_) {
        _cleanup_(registry_freep) Registry *reg = NULL;
        static const char text[] = "user@Mac ~ % ioreg -l\nzsh: command not found: ioreg\nuser@Mac ~ % \n";
        SnapshotError err = {};

        assert_int_equal(registry_new(&reg), 0);
        assert_int_equal(snapshot_load_text(reg, reg->service_plane, text, strlen(text), &err), -EBADMSG);
        assert_string_equal(err.message, "no object lines");
}

static void test_class_chain_dumps(void **state _unused_) {
        static const struct {
                const char *path;
                unsigned lines;
        } dumps[] = {
                { DUMP("robre-archive-ioreg-MacBookAir10,1-A2337-11.2.3-iw0-classchain.txt"), 1805 },
                { DUMP("robre-archive-ioreg-MacBookPro18,3-A2442-13.1-iw0-classchain.txt"), 1987 },
                { MACS("robre-archive-ioreg-MacBookAir9,1-11.0.1-iw0-classchain.txt"), 969 },
        };

        for (size_t i = 0; i < ELEMENTSOF(dumps); i++) {
                _cleanup_(registry_freep) Registry *reg = NULL;
                SnapshotError err = {};

                assert_int_equal(registry_new(&reg), 0);
                assert_int_equal(snapshot_load_file(reg, "IOService", dumps[i].path, &err), 0);
                /* One entry per line, a few listed under two parents. */
                assert_true(registry_n_entries(reg) <= dumps[i].lines);
                assert_true(registry_n_entries(reg) > dumps[i].lines * 9 / 10);
                assert_true(entry_conforms_to(registry_get_entry(reg, 0x100000101), "IOPlatformExpertDevice"));
        }
}

/*
 * A class no known chain lists, named like a known one but for its
 * numbers: AppleThunderboltNHIType3 in the Macmini8,1 dump (Type4 is known)
 * is an AppleThunderboltNHI; the M17xR2's IOSCSIPeripheralDeviceType05 (a
 * DVD drive; Type00, a disk, is a block device) an
 * IOSCSIPrimaryCommandsDevice, not a block device.
 */
static void test_inferred_chains(void **state _unused_) {
        _cleanup_(registry_freep) Registry *mini = NULL, *m17 = NULL;
        SnapshotError err = {};
        char buf[128];

        assert_int_equal(registry_new(&mini), 0);
        assert_int_equal(snapshot_load_file(mini, "IOService", DUMP("hackintosh-Macmini8,1-ioreg-l.txt"), &err), 0);
        assert_true(entry_conforms_to(registry_get_entry(mini, 0x10000034e), "AppleThunderboltNHI"));
        assert_int_equal(registry_new(&m17), 0);
        assert_int_equal(snapshot_load_file(m17, "IOService", DUMP("hackintosh-M17xR2-MacBookPro8,3-ioreg-l.txt"),
                                            &err), 0);
        assert_true(entry_conforms_to(registry_get_entry(m17, 0x1000002d2), "IOSCSIPrimaryCommandsDevice"));
        assert_false(entry_conforms_to(registry_get_entry(m17, 0x1000002d2), "IOSCSIBlockCommandsDevice"));
        /* A generation chain: the numbers substituted in the superclass too. */
        assert_string_equal(snapshot_infer_superclass("AGXAcceleratorG15X", buf, sizeof(buf)), "AGXAcceleratorG15");
        /* No numbers in G13's superclass: the family above it (AGXFamilyAccelerator's own superclass). */
        assert_string_equal(snapshot_infer_superclass("AGXAcceleratorG15", buf, sizeof(buf)), "AGXAccelerator");
        assert_null(snapshot_infer_superclass("NoDigitsHere", buf, sizeof(buf)));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_terminal_dump),
                cmocka_unit_test(test_every_width),
                cmocka_unit_test(test_prompt_only_is_not_a_dump),
                cmocka_unit_test(test_class_chain_dumps),
                cmocka_unit_test(test_inferred_chains),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
