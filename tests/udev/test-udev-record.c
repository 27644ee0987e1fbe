/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-udev-record.c: a record's attributes, read from the device's folder
 * (udev-record.c reads them with openat() on a descriptor of it, issue 21),
 * are libudev's: for every device of real recordings, every file and link
 * in its folder and the nested ones families read, the value (trailing
 * whitespace cut, as families see it) or its absence is the one
 * udev_device_get_sysattr_value() gives. Runs with libumockdev-preload.so
 * in LD_PRELOAD (meson sets it).
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include <libudev.h>

#include "macro.h"
#include "testbed.h"
#include "udev-record.h"

/* libudev's value as a family sees it: trailing whitespace cut. */
static char *expected(struct udev_device *dev, const char *name) {
        const char *v = udev_device_get_sysattr_value(dev, name);
        size_t len;

        if (!v)
                return NULL;
        len = strlen(v);
        while (len > 0 && (v[len - 1] == '\n' || v[len - 1] == ' ' || v[len - 1] == '\t'))
                len--;
        return strndup(v, len);
}

static unsigned check_name(struct udev *udev, const char *syspath, const char *name) {
        /* Fresh objects each time: neither side answers from what the other cached. */
        struct udev_device *ours = udev_device_new_from_syspath(udev, syspath);
        struct udev_device *theirs = udev_device_new_from_syspath(udev, syspath);
        _cleanup_free_ char *want = NULL;
        UdevRecord *r;
        const char *got, *again;

        assert_non_null(ours);
        assert_non_null(theirs);
        r = udev_record_new(ours, DEVICE_ACTION_ADD, false, NULL);
        assert_non_null(r);
        want = expected(theirs, name);
        got = device_record_attr(udev_record_get(r), name);
        again = device_record_attr(udev_record_get(r), name); /* from the record's memory */
        /* Bytes that are not UTF-8 reach families repaired (record_utf8()): compare that there is a value. */
        if (want && !g_utf8_validate(want, -1, NULL) && got && again) {
                udev_record_free(r);
                udev_device_unref(ours);
                udev_device_unref(theirs);
                return 1;
        }
        if (!streq_ptr(got, want) || !streq_ptr(again, want)) {
                fprintf(stderr, "%s/%s: libudev '%s', record '%s' then '%s'\n", syspath, name, want ?: "(null)",
                        got ?: "(null)", again ?: "(null)");
                fail();
        }
        udev_record_free(r);
        udev_device_unref(ours);
        udev_device_unref(theirs);
        return want != NULL;
}

static void check_recording(const char *recording, unsigned *ret_names, unsigned *ret_values) {
        static const char *const extra[] = { "id/bustype", "id/vendor", "capabilities/ev", "queue/logical_block_size",
                                             "no-such-attribute", "../uevent", "power/control", "driver",
                                             "subsystem" };
        UMockdevTestbed *testbed = NULL;
        struct udev *udev;
        struct udev_enumerate *en;
        struct udev_list_entry *item;

        assert_int_equal(testbed_from_recording(recording, &testbed), 0);
        udev = udev_new();
        en = udev_enumerate_new(udev);
        assert_true(udev_enumerate_scan_devices(en) >= 0);
        udev_list_entry_foreach(item, udev_enumerate_get_list_entry(en)) {
                const char *syspath = udev_list_entry_get_name(item);
                DIR *dir = opendir(syspath);
                struct dirent *de;

                assert_non_null(dir);
                while ((de = readdir(dir))) {
                        if (de->d_name[0] == '.')
                                continue;
                        *ret_values += check_name(udev, syspath, de->d_name);
                        (*ret_names)++;
                }
                closedir(dir);
                for (size_t i = 0; i < ELEMENTSOF(extra); i++) {
                        *ret_values += check_name(udev, syspath, extra[i]);
                        (*ret_names)++;
                }
        }
        udev_enumerate_unref(en);
        udev_unref(udev);
        g_object_unref(testbed);
}

static void test_attributes_as_libudev_reads_them(void **state) {
        static const char *const recordings[] = { "umockdev-input-usbkbd.umockdev", "umockdev-hidraw-fido2.umockdev",
                                                  "umockdev-input-synaptics-touchpad.umockdev",
                                                  "umockdev-mobiles-sony-xperia-mini-pro.umockdev", NULL };
        unsigned names = 0, values = 0;

        for (const char *const *r = recordings; *r; r++)
                check_recording(*r, &names, &values);
        printf("# %u names compared, %u with a value\n", names, values);
        assert_true(names > 100);
        assert_true(values > 50);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_attributes_as_libudev_reads_them),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
