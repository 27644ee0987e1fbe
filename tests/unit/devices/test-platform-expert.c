/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-platform-expert.c: the machine's identity from a sysfs tree
 * (platform_info_read) and the entries every registry starts with
 * (registry_publish_platform). The sysfs trees are checked in below
 * tests/data: a ThinkPad T430s's DMI, a Raspberry Pi 4's device tree
 * (NUL-terminated strings, a NUL-separated compatible list), and nothing.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "platform-expert.h"
#include "platform-info.h"
#include "registry-path.h"

#define SYSFS_DMI TEST_DATA "/sysfs-dmi"
#define SYSFS_DT TEST_DATA "/sysfs-devicetree"
#define SYSFS_EMPTY TEST_DATA "/sysfs-empty"

/* The Raspberry Pi's compatible file, byte for byte. */
static const char rpi_compatible[] = "raspberrypi,4-model-b\0brcm,bcm2711";
#define RPI_COMPATIBLE_LEN sizeof(rpi_compatible) /* with the final NUL */

#define PUBLISHED_STATE \
        (ENTRY_STATE_REGISTERED | ENTRY_STATE_MATCHED | ENTRY_STATE_FIRST_PUBLISH | ENTRY_STATE_FIRST_MATCH)

static void assert_data(const Value *v, const void *bytes, size_t len) {
        size_t n = 0;
        const uint8_t *p;

        assert_int_equal(value_type(v), VALUE_DATA);
        p = value_data(v, &n);
        assert_int_equal(n, len);
        assert_memory_equal(p, bytes, len);
}

/* Data holding s and its NUL, as Apple stores device-tree strings: <"Macmini8,1">. */
static void assert_dt_string(const Value *v, const char *s) {
        assert_data(v, s, strlen(s) + 1);
}

static void assert_string_value(const Value *v, const char *s) {
        assert_int_equal(value_type(v), VALUE_STRING);
        assert_string_equal(value_string(v, NULL), s);
}

/* --- reading --- */

static void test_read_dmi(void **state) {
        PlatformInfo info;

        assert_int_equal(platform_info_read(&info, SYSFS_DMI), 0);
        assert_string_equal(info.source, "dmi");
        /* The trailing newline of each sysfs attribute is gone. */
        assert_string_equal(info.model, "2356BH8");
        assert_string_equal(info.manufacturer, "LENOVO");
        assert_string_equal(info.serial, "R9TLM2K");
        assert_string_equal(info.uuid, "4c4c4544-0037-3010-8052-b4c04f4a4d32");
        assert_string_equal(info.board_id, "2356BH8");
        assert_string_equal(info.version, "ThinkPad T430s");
        assert_null(info.compatible);
        assert_int_equal(info.compatible_len, 0);
        platform_info_done(&info);
        assert_null(info.model);
        assert_null(info.source);
}

static void test_read_device_tree(void **state) {
        PlatformInfo info;

        assert_int_equal(platform_info_read(&info, SYSFS_DT), 0);
        assert_string_equal(info.source, "device-tree");
        assert_string_equal(info.model, "Raspberry Pi 4 Model B Rev 1.4");
        assert_string_equal(info.serial, "100000002d4c4f35");
        /* The vendor of the first compatible string. */
        assert_string_equal(info.manufacturer, "raspberrypi");
        assert_non_null(info.compatible);
        assert_int_equal(info.compatible_len, RPI_COMPATIBLE_LEN);
        assert_memory_equal(info.compatible, rpi_compatible, RPI_COMPATIBLE_LEN);
        assert_null(info.uuid);
        assert_null(info.board_id);
        assert_null(info.version);
        platform_info_done(&info);
}

static void test_read_nothing(void **state) {
        static const char *const roots[] = { SYSFS_EMPTY, TEST_DATA "/no-such-sysfs" };

        for (size_t i = 0; i < ELEMENTSOF(roots); i++) {
                PlatformInfo info;

                /* Missing files are not an error: there is just no identity. */
                assert_int_equal(platform_info_read(&info, roots[i]), 0);
                assert_null(info.source);
                assert_null(info.model);
                assert_null(info.manufacturer);
                assert_null(info.serial);
                assert_null(info.uuid);
                assert_null(info.board_id);
                assert_null(info.version);
                assert_null(info.compatible);
                platform_info_done(&info);
        }
}

/* --- publishing --- */

static int setup_registry(void **state) {
        Registry *reg = NULL;

        if (registry_new(&reg) < 0)
                return -1;
        *state = reg;
        return 0;
}

static int teardown_registry(void **state) {
        registry_free(*state);
        return 0;
}

/* Publishes the identity read from sysfs_root; checks what every machine gets. */
static void publish(Registry *reg, const char *sysfs_root, Entry **ret_pe, Entry **ret_res) {
        const Plane *svc = reg->service_plane, *dt = reg->device_tree_plane;
        PlatformInfo info;
        Entry *pe = NULL, *res = NULL;
        Value *linux_identity;
        unsigned n;

        assert_int_equal(platform_info_read(&info, sysfs_root), 0);
        assert_int_equal(registry_publish_platform(reg, &info, &pe, &res), 0);
        assert_non_null(pe);
        assert_non_null(res);
        assert_int_equal(registry_n_entries(reg), 4); /* Root, the platform expert, IOResources, IOPMrootDomain */

        /* The platform expert: below Root in the service and device-tree planes, their root in both. */
        assert_string_equal(pe->klass->name, "IOPlatformExpertDevice");
        assert_true(entry_conforms_to(pe, "IOService"));
        assert_ptr_equal(entry_get_parent(pe, svc), reg->root);
        assert_ptr_equal(entry_get_parent(pe, dt), reg->root);
        assert_ptr_equal(registry_plane_root(reg, svc), pe);
        assert_ptr_equal(registry_plane_root(reg, dt), pe);
        assert_false(entry_in_plane(pe, reg->usb_plane));
        assert_string_equal(entry_get_name(pe, dt), "device-tree");
        assert_int_equal(pe->state & PUBLISHED_STATE, PUBLISHED_STATE);
        assert_false(pe->state & ENTRY_STATE_INACTIVE);
        assert_dt_string(entry_get_property(pe, "name"), "/");

        /* IOResources: the platform expert's child in the service plane only. */
        assert_string_equal(res->klass->name, "IOResources");
        assert_string_equal(entry_get_name(res, svc), "IOResources");
        assert_ptr_equal(entry_get_parent(res, svc), pe);
        (void) entry_get_parents(res, svc, &n);
        assert_int_equal(n, 1);
        assert_false(entry_in_plane(res, dt));
        assert_int_equal(res->state & PUBLISHED_STATE, PUBLISHED_STATE);
        assert_true(res->state & ENTRY_STATE_REGISTERED);
        assert_true(res->state & ENTRY_STATE_MATCHED);
        assert_string_value(entry_get_property(res, "IOKit"), "IOService");

        /* The power root domain: IOResources' sibling in IOService (Apple's dumps), IOPower's root. */
        {
                Entry *rd = registry_find_root_domain(reg), *again = NULL;
                _cleanup_free_ char *path = NULL;

                assert_non_null(rd);
                assert_string_equal(rd->klass->name, "IOPMrootDomain");
                assert_string_equal(entry_get_name(rd, svc), "IOPMrootDomain");
                assert_ptr_equal(entry_get_parent(rd, svc), pe);
                assert_ptr_equal(entry_get_parent(rd, reg->power_plane), reg->root);
                assert_ptr_equal(registry_plane_root(reg, reg->power_plane), rd);
                assert_false(entry_in_plane(rd, dt));
                assert_int_equal(rd->state & PUBLISHED_STATE, PUBLISHED_STATE);
                assert_int_equal(registry_entry_get_path(reg, rd, svc, &path), 0);
                assert_string_equal(path, "IOService:/IOPMrootDomain");
                /* Idempotent: device_tree_init() asks again and gets the same one. */
                assert_int_equal(registry_publish_root_domain(reg, pe, &again), 0);
                assert_ptr_equal(again, rd);
                assert_int_equal(registry_n_entries(reg), 4);
        }
        (void) entry_get_children(pe, svc, &n);
        assert_int_equal(n, 2);

        /* Paths as on a Mac. */
        {
                _cleanup_free_ char *pe_path = NULL, *path = NULL;
                Entry *found = NULL;

                assert_int_equal(registry_entry_get_path(reg, pe, svc, &pe_path), 0);
                assert_string_equal(pe_path, "IOService:/");
                assert_int_equal(registry_entry_get_path(reg, res, svc, &path), 0);
                assert_string_equal(path, "IOService:/IOResources");
                assert_int_equal(registry_entry_from_path(reg, path, NULL, &found), 0);
                assert_ptr_equal(found, res);
                assert_int_equal(registry_entry_from_path(reg, "IODeviceTree:/", NULL, &found), 0);
                assert_ptr_equal(found, pe);
        }

        /* Where the identity came from and what kernel this is. */
        linux_identity = entry_get_property(pe, "Linux");
        assert_int_equal(value_type(linux_identity), VALUE_DICTIONARY);
        assert_string_value(value_dict_get(linux_identity, "SYSNAME"), "Linux");
        assert_non_null(value_string(value_dict_get(linux_identity, "RELEASE"), NULL));
        assert_non_null(value_string(value_dict_get(linux_identity, "MACHINE"), NULL));
        if (info.source)
                assert_string_value(value_dict_get(linux_identity, "IDENTITY SOURCE"), info.source);
        else
                assert_null(value_dict_get(linux_identity, "IDENTITY SOURCE"));

        platform_info_done(&info);
        *ret_pe = pe;
        *ret_res = res;
}

static void test_publish_dmi(void **state) {
        Registry *reg = *state;
        Entry *pe, *res;

        publish(reg, SYSFS_DMI, &pe, &res);
        /* Named after the model, in the service plane (ioreg shows "+-o 2356BH8"). */
        assert_string_equal(entry_get_name(pe, reg->service_plane), "2356BH8");
        assert_string_equal(entry_get_name(pe, NULL), "2356BH8");
        /* Strings where Apple has strings, data with a trailing NUL where Apple has data. */
        assert_string_value(entry_get_property(pe, "IOPlatformSerialNumber"), "R9TLM2K");
        assert_string_value(entry_get_property(pe, "IOPlatformUUID"),
                            "4c4c4544-0037-3010-8052-b4c04f4a4d32");
        assert_dt_string(entry_get_property(pe, "model"), "2356BH8");
        assert_dt_string(entry_get_property(pe, "product-name"), "2356BH8");
        assert_dt_string(entry_get_property(pe, "manufacturer"), "LENOVO");
        assert_dt_string(entry_get_property(pe, "version"), "ThinkPad T430s");
        assert_dt_string(entry_get_property(pe, "board-id"), "2356BH8");
        assert_dt_string(entry_get_property(pe, "serial-number"), "R9TLM2K");
        /* Without a device tree, compatible is the model. */
        assert_dt_string(entry_get_property(pe, "compatible"), "2356BH8");
        /* A string equals data with the same bytes, not with the NUL: IOPlatformSerialNumber is a string. */
        assert_false(value_equal(entry_get_property(pe, "IOPlatformSerialNumber"),
                                 entry_get_property(pe, "serial-number")));
}

static void test_publish_device_tree(void **state) {
        Registry *reg = *state;
        Entry *pe, *res;

        publish(reg, SYSFS_DT, &pe, &res);
        assert_string_equal(entry_get_name(pe, reg->service_plane), "Raspberry Pi 4 Model B Rev 1.4");
        assert_dt_string(entry_get_property(pe, "model"), "Raspberry Pi 4 Model B Rev 1.4");
        assert_dt_string(entry_get_property(pe, "manufacturer"), "raspberrypi");
        assert_string_value(entry_get_property(pe, "IOPlatformSerialNumber"), "100000002d4c4f35");
        assert_dt_string(entry_get_property(pe, "serial-number"), "100000002d4c4f35");
        /* The device tree's list as it is: each string with its NUL, nothing more. */
        assert_data(entry_get_property(pe, "compatible"), rpi_compatible, RPI_COMPATIBLE_LEN);
        assert_null(entry_get_property(pe, "IOPlatformUUID"));
        assert_null(entry_get_property(pe, "version"));
        assert_null(entry_get_property(pe, "board-id"));
}

static void test_publish_without_identity(void **state) {
        Registry *reg = *state;
        static const char *const absent[] = {
                "model", "product-name", "manufacturer", "version", "board-id", "compatible",
                "IOPlatformSerialNumber", "serial-number", "IOPlatformUUID",
        };
        Entry *pe, *res;

        publish(reg, SYSFS_EMPTY, &pe, &res);
        /* No model: the name falls back to the class name. */
        assert_null(pe->name);
        assert_string_equal(entry_get_name(pe, reg->service_plane), "IOPlatformExpertDevice");
        assert_string_equal(entry_get_name(pe, NULL), "IOPlatformExpertDevice");
        for (size_t i = 0; i < ELEMENTSOF(absent); i++)
                if (entry_get_property(pe, absent[i]))
                        fail_msg("unexpected property '%s'", absent[i]);
}

static void test_publish_keeps_class_definitions(void **state) {
        Registry *reg = *state;
        const Class *pe_class;
        Entry *pe, *res;

        /* A family that defined the classes first (same superclass) is no conflict. */
        assert_int_equal(class_table_define(reg->classes, "IOResources", "IOService", NULL), 0);
        publish(reg, SYSFS_DMI, &pe, &res);
        pe_class = class_table_find(reg->classes, "IOPlatformExpertDevice");
        assert_ptr_equal(pe->klass, pe_class);
        assert_int_equal(pe_class->n_instances, 1);
        assert_int_equal(class_table_find(reg->classes, "IOResources")->n_instances, 1);
}

static void test_publish_conflicting_class(void **state) {
        Registry *reg = *state;
        PlatformInfo info;
        Entry *pe = (Entry *) 0x1;

        /* IOResources defined with another superclass: publishing fails cleanly. */
        assert_int_equal(class_table_define(reg->classes, "IOResources", "IORegistryEntry", NULL), 0);
        assert_int_equal(platform_info_read(&info, SYSFS_DMI), 0);
        assert_int_equal(registry_publish_platform(reg, &info, &pe, NULL), -EEXIST);
        assert_ptr_equal(pe, (Entry *) 0x1);
        assert_int_equal(registry_n_entries(reg), 1);
        platform_info_done(&info);
}

static void test_publish_compatible_without_nul(void **state) {
        Registry *reg = *state;
        PlatformInfo info = {
                .model = strdup("Board"),
                .compatible = strdup("vendor,board"), /* as read_attr() leaves it: a NUL after the bytes */
                .compatible_len = strlen("vendor,board"),
                .source = "device-tree",
        };
        Entry *pe = NULL;

        assert_non_null(info.model);
        assert_non_null(info.compatible);
        assert_int_equal(registry_publish_platform(reg, &info, &pe, NULL), 0);
        assert_dt_string(entry_get_property(pe, "compatible"), "vendor,board");
        platform_info_done(&info);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_registry, teardown_registry)

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_read_dmi),
                cmocka_unit_test(test_read_device_tree),
                cmocka_unit_test(test_read_nothing),
                T(test_publish_dmi),
                T(test_publish_device_tree),
                T(test_publish_without_identity),
                T(test_publish_compatible_without_nul),
                T(test_publish_keeps_class_definitions),
                T(test_publish_conflicting_class),
        };

        return cmocka_run_group_tests_name("platform-expert", tests, NULL, NULL);
}
