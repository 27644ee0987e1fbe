/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-porting.c: the porting aids that need no daemon — Apple's IOReturn
 * numbers and key names (ioreg/iokit-compat.h) and the value helpers
 * (ioreg/value.h). The numbers are written out here as IOReturn.h spells
 * them (iokit_common_err(0x2bc) ...), not taken from the header under test.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <ioreg/ioreg.h>
#include <ioreg/iokit-compat.h>

static uint32_t iokit_common_err(uint32_t code) {
        return (UINT32_C(0x38) << 26) | code; /* err_system(sys_iokit) | sub_iokit_common | code */
}

static void test_iokit_return_numbers(void **state) {
        static const struct {
                uint32_t header, apple;
                ioreg_return_t ours;
        } table[] = {
                { kIOReturnSuccess, 0, IOREG_RETURN_SUCCESS },
                { kIOReturnError, 0x2bc, IOREG_RETURN_ERROR },
                { kIOReturnNoMemory, 0x2bd, IOREG_RETURN_NO_MEMORY },
                { kIOReturnNoResources, 0x2be, IOREG_RETURN_NO_RESOURCES },
                { kIOReturnIPCError, 0x2bf, IOREG_RETURN_IPC_ERROR },
                { kIOReturnNoDevice, 0x2c0, IOREG_RETURN_NO_DEVICE },
                { kIOReturnNotPrivileged, 0x2c1, IOREG_RETURN_NOT_PRIVILEGED },
                { kIOReturnBadArgument, 0x2c2, IOREG_RETURN_BAD_ARGUMENT },
                { kIOReturnExclusiveAccess, 0x2c5, IOREG_RETURN_EXCLUSIVE_ACCESS },
                { kIOReturnUnsupported, 0x2c7, IOREG_RETURN_UNSUPPORTED },
                { kIOReturnNotOpen, 0x2cd, IOREG_RETURN_NOT_OPEN },
                { kIOReturnBusy, 0x2d5, IOREG_RETURN_BUSY },
                { kIOReturnTimeout, 0x2d6, IOREG_RETURN_TIMEOUT },
                { kIOReturnNotReady, 0x2d8, IOREG_RETURN_NOT_READY },
                { kIOReturnNotPermitted, 0x2e2, IOREG_RETURN_NOT_PERMITTED },
                { kIOReturnOverrun, 0x2e8, IOREG_RETURN_OVERRUN },
                { kIOReturnAborted, 0x2eb, IOREG_RETURN_ABORTED },
                { kIOReturnNotFound, 0x2f0, IOREG_RETURN_NOT_FOUND },
                { kIOReturnNotResponding, 0x2ed, IOREG_RETURN_NOT_RESPONDING },
        };
        unsigned seen = 0;

        assert_int_equal(iokit_common_err(0x2bc), 0xe00002bcu);
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
                uint32_t apple = table[i].apple ? iokit_common_err(table[i].apple) : 0;

                assert_int_equal(table[i].header, apple);
                assert_int_equal(ioreg_return_to_iokit(table[i].ours), apple);
                assert_int_equal(ioreg_return_from_iokit(apple), table[i].ours);
                seen |= 1u << table[i].ours;
        }
        /* IOUSBLib's stall (iokit_usb_err(0x4f): sub_iokit_usb is 1). */
        assert_int_equal(kIOUSBPipeStalled, (UINT32_C(0x38) << 26) | (1u << 14) | 0x4f);
        assert_int_equal(ioreg_return_to_iokit(IOREG_RETURN_PIPE_STALLED), kIOUSBPipeStalled);
        assert_int_equal(ioreg_return_from_iokit(kIOUSBPipeStalled), IOREG_RETURN_PIPE_STALLED);
        seen |= 1u << IOREG_RETURN_PIPE_STALLED;
        /* Every code libioreg has is in the table: none is left without Apple's number. */
        assert_int_equal(seen, (1u << _IOREG_RETURN_MAX) - 1);
        /* Numbers libioreg has no code for, and codes it does not define. */
        assert_int_equal(ioreg_return_from_iokit(iokit_common_err(0x2e4)), IOREG_RETURN_ERROR); /* IsoTooOld */
        assert_int_equal(ioreg_return_from_iokit(1), IOREG_RETURN_ERROR);
        assert_int_equal(ioreg_return_to_iokit(_IOREG_RETURN_MAX), kIOReturnError);
        assert_int_equal(ioreg_return_to_iokit((ioreg_return_t) -1), kIOReturnError);
}

/* The names a port greps for, with the strings of Apple's headers (and of the daemon's registry). */
static void test_key_names(void **state) {
        assert_string_equal(kUSBVendorID, "idVendor");
        /* IOUSBLib's UUIDs, as IOUSBLib.h spells them in its comments. */
        assert_string_equal(kIOUSBDeviceUserClientTypeID, "9DC7B780-9EC0-11D4-A54F-000A27052861");
        assert_string_equal(kIOUSBInterfaceUserClientTypeID, "2D9786C6-9EF3-11D4-AD51-000A27052861");
        assert_string_equal(kIOUSBDeviceInterfaceID300, "396104F7-943D-4893-90F1-69BD6CF5C2EB");
        assert_string_equal(kIOUSBInterfaceInterfaceID300, "BCEAADDC-884D-4F27-8340-36D69FAB90F6");
        assert_int_equal(sizeof(IOUSBConfigurationDescriptor), 9);
        assert_int_equal(offsetof(IOUSBDevRequestTO, noDataTimeout), offsetof(IOUSBDevRequest, wLenDone) + 4);
        assert_string_equal(kUSBProductID, "idProduct");
        assert_string_equal(kUSBDevicePropertyLocationID, "locationID");
        assert_string_equal(kUSBDevicePropertySpeed, "Device Speed");
        assert_string_equal(kUSBDevicePropertyAddress, "USB Address");
        assert_string_equal(kUSBSerialNumberString, "USB Serial Number");
        assert_string_equal(kIOUSBDeviceClassName, "IOUSBDevice");
        assert_string_equal(kIOUSBHostDeviceClassName, "IOUSBHostDevice");
        assert_string_equal(kIOUSBInterfaceClassName, "IOUSBInterface");
        assert_string_equal(kIOSerialBSDServiceValue, "IOSerialBSDClient");
        assert_string_equal(kIOSerialBSDTypeKey, "IOSerialBSDClientType");
        assert_string_equal(kIOSerialBSDRS232Type, "IORS232SerialStream");
        assert_string_equal(kIOCalloutDeviceKey, "IOCalloutDevice");
        assert_string_equal(kIOHIDVendorIDKey, "VendorID");
        assert_string_equal(kIOHIDPrimaryUsagePageKey, "PrimaryUsagePage");
        assert_string_equal(kIOBSDNameKey, "BSD Name");
        assert_string_equal(kIOBSDMajorKey, "BSD Major");
        assert_string_equal(kIOProbeScoreKey, "IOProbeScore");
        /* The same names libioreg's own headers spell IOREG_*. */
        assert_string_equal(kIOProviderClassKey, IOREG_PROVIDER_CLASS_KEY);
        assert_string_equal(kIONameMatchKey, IOREG_NAME_MATCH_KEY);
        assert_string_equal(kIOPropertyMatchKey, IOREG_PROPERTY_MATCH_KEY);
        assert_string_equal(kIOBSDNameKey, IOREG_BSD_NAME_KEY);
        assert_string_equal(kIOSerialBSDModemType, IOREG_SERIAL_BSD_MODEM_TYPE);
        assert_string_equal(kIOTTYDeviceKey, IOREG_TTY_DEVICE_KEY);
        assert_string_equal(kIODialinDeviceKey, IOREG_DIALIN_DEVICE_KEY);
        assert_string_equal(kIOServicePlane, IOREG_SERVICE_PLANE);
        assert_string_equal(kIOFirstMatchNotification, IOREG_FIRST_MATCH_NOTIFICATION);
        assert_string_equal(kIOTerminatedNotification, IOREG_TERMINATED_NOTIFICATION);
}

static void test_data_round_trip(void **state) {
        static const uint8_t bytes[] = { 0x00, 0x01, 0xfe, 0xff, 'A' };
        json_t *v = ioreg_json_data_new(bytes, sizeof(bytes));
        uint8_t *out = NULL;
        size_t len = 0;

        assert_non_null(v);
        assert_string_equal(json_string_value(json_object_get(v, IOREG_JSON_DATA_KEY)), "AAH+/0E=");
        assert_int_equal(ioreg_json_copy_data(v, &out, &len), IOREG_RETURN_SUCCESS);
        assert_int_equal(len, sizeof(bytes));
        assert_memory_equal(out, bytes, sizeof(bytes));
        free(out);
        ioreg_json_release(v);

        /* No bytes: a buffer all the same. */
        v = ioreg_json_data_new(NULL, 0);
        assert_non_null(v);
        out = NULL;
        assert_int_equal(ioreg_json_copy_data(v, &out, &len), IOREG_RETURN_SUCCESS);
        assert_non_null(out);
        assert_int_equal(len, 0);
        free(out);
        ioreg_json_release(v);
        ioreg_json_release(NULL);
}

static void test_data_refusals(void **state) {
        const char *not_data[] = {
                "\"AAEC\"",                        /* a string is never data */
                "{\"$data\": \"AAE\"}",            /* not strict base64 */
                "{\"$data\": 5}",
                "{\"$data\": \"AAEC\", \"x\": 1}", /* a dictionary with a $data key */
                "{\"$unsigned\": \"1\"}",
                "[]",
                "7",
        };
        uint8_t *out = (uint8_t *) "untouched";
        size_t len = 99;

        for (size_t i = 0; i < sizeof(not_data) / sizeof(not_data[0]); i++) {
                json_t *v = json_loads(not_data[i], JSON_DECODE_ANY, NULL);

                assert_non_null(v);
                assert_int_equal(ioreg_json_copy_data(v, &out, &len), IOREG_RETURN_BAD_ARGUMENT);
                ioreg_json_release(v);
        }
        assert_string_equal((char *) out, "untouched");
        assert_int_equal(len, 99);
        assert_int_equal(ioreg_json_copy_data(NULL, &out, &len), IOREG_RETURN_BAD_ARGUMENT);
        assert_null(ioreg_json_data_new(NULL, 3));
}

/* Loads s and runs get on it; the JSON is the caller's to write, the reference is released here. */
#define GET(fn, s, ret)                                                            \
        ({                                                                         \
                json_t *_v = json_loads((s), JSON_DECODE_ANY, NULL);               \
                ioreg_return_t _r;                                                 \
                assert_non_null(_v);                                               \
                _r = fn(_v, (ret));                                                \
                ioreg_json_release(_v);                                            \
                _r;                                                                \
        })

static void test_number_widths(void **state) {
        uint8_t u8 = 42;
        uint16_t u16 = 42;
        uint32_t u32 = 42;
        uint64_t u64 = 42;
        int64_t i64 = 42;

        assert_int_equal(GET(ioreg_json_get_u8, "255", &u8), IOREG_RETURN_SUCCESS);
        assert_int_equal(u8, 255);
        assert_int_equal(GET(ioreg_json_get_u8, "256", &u8), IOREG_RETURN_BAD_ARGUMENT);
        assert_int_equal(GET(ioreg_json_get_u8, "-1", &u8), IOREG_RETURN_BAD_ARGUMENT);
        assert_int_equal(u8, 255);

        assert_int_equal(GET(ioreg_json_get_u16, "1133", &u16), IOREG_RETURN_SUCCESS);
        assert_int_equal(u16, 1133);
        assert_int_equal(GET(ioreg_json_get_u16, "65536", &u16), IOREG_RETURN_BAD_ARGUMENT);
        assert_int_equal(u16, 1133);

        assert_int_equal(GET(ioreg_json_get_u32, "4294967295", &u32), IOREG_RETURN_SUCCESS);
        assert_int_equal(u32, UINT32_MAX);
        assert_int_equal(GET(ioreg_json_get_u32, "4294967296", &u32), IOREG_RETURN_BAD_ARGUMENT);
        assert_int_equal(GET(ioreg_json_get_u32, "{\"$unsigned\": \"18446744073709551615\"}", &u32),
                         IOREG_RETURN_BAD_ARGUMENT);
        assert_int_equal(u32, UINT32_MAX);

        assert_int_equal(GET(ioreg_json_get_u64, "{\"$unsigned\": \"18446744073709551615\"}", &u64),
                         IOREG_RETURN_SUCCESS);
        assert_true(u64 == UINT64_MAX);
        assert_int_equal(GET(ioreg_json_get_u64, "9223372036854775807", &u64), IOREG_RETURN_SUCCESS);
        assert_true(u64 == INT64_MAX);
        assert_int_equal(GET(ioreg_json_get_u64, "{\"$unsigned\": \"18446744073709551616\"}", &u64),
                         IOREG_RETURN_BAD_ARGUMENT);
        assert_int_equal(GET(ioreg_json_get_u64, "-5", &u64), IOREG_RETURN_BAD_ARGUMENT);
        assert_true(u64 == INT64_MAX);

        assert_int_equal(GET(ioreg_json_get_i64, "-5", &i64), IOREG_RETURN_SUCCESS);
        assert_true(i64 == -5);
        assert_int_equal(GET(ioreg_json_get_i64, "{\"$unsigned\": \"7\"}", &i64), IOREG_RETURN_SUCCESS);
        assert_true(i64 == 7);
        assert_int_equal(GET(ioreg_json_get_i64, "{\"$unsigned\": \"9223372036854775808\"}", &i64),
                         IOREG_RETURN_BAD_ARGUMENT);
        assert_true(i64 == 7);

        /* Not numbers at all, for every width. */
        for (const char *const *s = (const char *const[]) { "\"5\"", "true", "5.0", "null", "[5]",
                                                            "{\"$data\": \"AA==\"}", "{\"$unsigned\": \"\"}",
                                                            "{\"$unsigned\": \"-1\"}", NULL };
             *s; s++) {
                assert_int_equal(GET(ioreg_json_get_u8, *s, &u8), IOREG_RETURN_BAD_ARGUMENT);
                assert_int_equal(GET(ioreg_json_get_u16, *s, &u16), IOREG_RETURN_BAD_ARGUMENT);
                assert_int_equal(GET(ioreg_json_get_u32, *s, &u32), IOREG_RETURN_BAD_ARGUMENT);
                assert_int_equal(GET(ioreg_json_get_u64, *s, &u64), IOREG_RETURN_BAD_ARGUMENT);
                assert_int_equal(GET(ioreg_json_get_i64, *s, &i64), IOREG_RETURN_BAD_ARGUMENT);
        }
        assert_int_equal(ioreg_json_get_u32(NULL, &u32), IOREG_RETURN_BAD_ARGUMENT);
        assert_int_equal(ioreg_json_get_i64(NULL, &i64), IOREG_RETURN_BAD_ARGUMENT);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_iokit_return_numbers), cmocka_unit_test(test_key_names),
                cmocka_unit_test(test_data_round_trip),      cmocka_unit_test(test_data_refusals),
                cmocka_unit_test(test_number_widths),
        };

        return cmocka_run_group_tests_name("libioreg porting aids", tests, NULL, NULL);
}
