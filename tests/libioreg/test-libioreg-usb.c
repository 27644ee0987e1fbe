/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-libioreg-usb.c: the built-in IOUSBLib plug-ins (ioreg/usb.h) and
 * ioregd's org.ioreg.USB1 against the recorded keyboard (05f3:0007, its
 * interface 0 bound to usbhid) on a umockdev testbed: the descriptor
 * getters before any open, the interface iterator and pipes from the
 * descriptors the daemon serves, and the exclusive-open rule (a bound
 * kernel driver, another application, the end of a hold by Close and by
 * leaving the bus). Transfers need a real usbfs: tests/vm/scenarios/usbapp.py.
 *
 * The testbed, the bus and the daemon are set up by libioreg-testbed.c.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <umockdev.h>

#include <ioreg/ioreg.h>
#include <ioreg/iokit-compat.h>

#include "macro.h"
#include "protocol.h"
#include "test-bus.h"
#include "libioreg-testbed.h"

#define KBD_INTF KBD_DEV "/1-1.5.4.2:1.0"
/* The recording's descriptors of the keyboard (device, then its one configuration). */
static const char kbd_descriptors_hex[] =
        "1201100100000008F305070020030000000109023B00020100A020090400000103010100092100012101223F0007058103"
        "08000809040100010300000009210001000122640007058203040008";

/* The USB device or interface whose Linux SYSPATH is syspath (a new reference). */
static ioreg_service_t service_at(const char *syspath) {
        const char *classes[] = { "IOUSBHostDevice", "IOUSBHostInterface" };
        ioreg_service_t found = NULL;

        for (size_t i = 0; i < ELEMENTSOF(classes) && !found; i++) {
                ioreg_iterator_t it = NULL;
                ioreg_service_t s;

                assert_int_equal(ioreg_service_get_matching_services(ioreg_service_matching(classes[i]), &it),
                                 IOREG_RETURN_SUCCESS);
                while ((s = ioreg_iterator_next(it))) {
                        json_t *linux_dict = ioreg_registry_entry_create_property(s, "Linux", 0);
                        const char *sp = json_string_value(json_object_get(linux_dict, "SYSPATH"));

                        if (!found && sp && strcmp(sp, syspath) == 0)
                                found = s;
                        else
                                ioreg_object_release(s);
                        json_decref(linux_dict);
                }
                ioreg_object_release(it);
        }
        assert_non_null(found);
        return found;
}

/* IOCreatePlugInInterfaceForService, then QueryInterface, then IODestroyPlugInInterface (the book's 3 steps). */
static void *usb_object(ioreg_service_t service, const char *type, const char *interface_id) {
        ioreg_cf_plugin_interface **plugin = NULL;
        void *obj = NULL;
        int32_t score = -1;

        assert_int_equal(ioreg_create_plugin_interface_for_service(service, type, IOREG_CF_PLUGIN_INTERFACE_ID,
                                                                   &plugin, &score),
                         IOREG_RETURN_SUCCESS);
        assert_non_null(plugin);
        assert_int_equal((*plugin)->QueryInterface(plugin, interface_id, &obj), IOREG_S_OK);
        assert_non_null(obj);
        assert_int_equal(ioreg_destroy_plugin_interface(plugin), IOREG_RETURN_SUCCESS);
        return obj;
}

static void test_device_getters_before_open(void **state) {
        ioreg_service_t kbd = service_at(KBD_DEV);
        ioreg_usb_device_interface **dev = usb_object(kbd, IOREG_USB_DEVICE_USER_CLIENT_TYPE_ID,
                                                      IOREG_USB_DEVICE_INTERFACE_ID300);
        ioreg_usb_device_interface **old = NULL;
        ioreg_usb_configuration_descriptor *config = NULL;
        uint16_t vendor = 0, product = 0, release = 0, address = 0;
        uint8_t cls = 0xff, n_configs = 0, speed = 0xff, iproduct = 0;
        uint32_t location = 0;
        uint8_t expected[256];
        size_t n_expected = strlen(kbd_descriptors_hex) / 2;

        for (size_t i = 0; i < n_expected; i++) {
                unsigned b;

                sscanf(kbd_descriptors_hex + 2 * i, "%2x", &b);
                expected[i] = (uint8_t) b;
        }
        assert_int_equal((*dev)->GetDeviceVendor(dev, &vendor), IOREG_RETURN_SUCCESS);
        assert_int_equal((*dev)->GetDeviceProduct(dev, &product), IOREG_RETURN_SUCCESS);
        assert_int_equal((*dev)->GetDeviceReleaseNumber(dev, &release), IOREG_RETURN_SUCCESS);
        assert_int_equal((*dev)->GetDeviceClass(dev, &cls), IOREG_RETURN_SUCCESS);
        assert_int_equal((*dev)->GetNumberOfConfigurations(dev, &n_configs), IOREG_RETURN_SUCCESS);
        assert_int_equal((*dev)->USBGetProductStringIndex(dev, &iproduct), IOREG_RETURN_SUCCESS);
        assert_int_equal(vendor, 0x05f3);
        assert_int_equal(product, 0x0007);
        assert_int_equal(release, 0x0320);
        assert_int_equal(cls, 0);
        assert_int_equal(n_configs, 1);
        assert_int_equal(iproduct, 0);
        /* The registry's numbers: USB Address is devnum (9), locationID from the port path 1-1.5.4.2. */
        assert_int_equal((*dev)->GetDeviceAddress(dev, &address), IOREG_RETURN_SUCCESS);
        assert_int_equal(address, 9);
        assert_int_equal((*dev)->GetLocationID(dev, &location), IOREG_RETURN_SUCCESS);
        assert_int_equal(location, 0x01154200);
        assert_int_equal((*dev)->GetDeviceSpeed(dev, &speed), IOREG_RETURN_SUCCESS);
        assert_int_equal(speed, 1); /* 12 Mbit/s: kUSBDeviceSpeedFull */
        /* The configuration descriptor, byte for byte what the kernel cached. */
        assert_int_equal((*dev)->GetConfigurationDescriptorPtr(dev, 0, &config), IOREG_RETURN_SUCCESS);
        assert_int_equal(config->wTotalLength, 0x3b);
        assert_int_equal(config->bNumInterfaces, 2);
        assert_memory_equal(config, expected + 18, config->wTotalLength);
        assert_int_equal((*dev)->GetConfigurationDescriptorPtr(dev, 1, &config), IOREG_RETURN_BAD_ARGUMENT);
        /* Requests need the open; the frame number is not something Linux gives. */
        {
                ioreg_usb_dev_request req = { .bmRequestType = 0x80, .bRequest = 6, .wValue = 0x100,
                                              .wLength = 18, .pData = expected };

                assert_int_equal((*dev)->DeviceRequest(dev, &req), IOREG_RETURN_NOT_OPEN);
        }
        assert_int_equal((*dev)->GetBusFrameNumber(dev, NULL, NULL), IOREG_RETURN_UNSUPPORTED);
        /* Every older ID gives the same object; an interface ID of the other kind gives none. */
        assert_int_equal((*dev)->QueryInterface(dev, IOREG_USB_DEVICE_INTERFACE_ID100, (void **) &old), IOREG_S_OK);
        assert_ptr_equal(old, dev);
        (*old)->Release(old);
        assert_int_equal((*dev)->QueryInterface(dev, IOREG_USB_INTERFACE_INTERFACE_ID300, (void **) &old),
                         IOREG_E_NOINTERFACE);
        assert_null(old);
        assert_int_equal((*dev)->Release(dev), 0);
        ioreg_object_release(kbd);
}

static void test_interface_iterator_and_pipes(void **state) {
        ioreg_service_t kbd = service_at(KBD_DEV);
        ioreg_usb_device_interface **dev = usb_object(kbd, IOREG_USB_DEVICE_USER_CLIENT_TYPE_ID,
                                                      IOREG_USB_DEVICE_INTERFACE_ID300);
        ioreg_usb_find_interface_request any = { 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF }, none = { 9, 0xFFFF, 0xFFFF, 0xFFFF };
        ioreg_iterator_t it = NULL;
        ioreg_service_t s, parent = NULL;
        ioreg_usb_interface_interface **intf;
        uint8_t dir = 0xff, number = 0xff, type = 0xff, interval = 0, n_endpoints = 0, cls = 0;
        uint16_t mps = 0;
        unsigned n = 0;

        assert_int_equal((*dev)->CreateInterfaceIterator(dev, &none, &it), IOREG_RETURN_SUCCESS);
        assert_null(ioreg_iterator_next(it));
        ioreg_object_release(it);
        assert_int_equal((*dev)->CreateInterfaceIterator(dev, &any, &it), IOREG_RETURN_SUCCESS);
        s = ioreg_iterator_next(it);
        assert_non_null(s);
        for (ioreg_service_t more; (more = ioreg_iterator_next(it)); n++)
                ioreg_object_release(more);
        assert_int_equal(n, 0); /* the recording has interface 0 only */
        ioreg_object_release(it);

        intf = usb_object(s, IOREG_USB_INTERFACE_USER_CLIENT_TYPE_ID, IOREG_USB_INTERFACE_INTERFACE_ID300);
        assert_int_equal((*intf)->GetInterfaceClass(intf, &cls), IOREG_RETURN_SUCCESS);
        assert_int_equal(cls, 3); /* HID */
        assert_int_equal((*intf)->GetNumEndpoints(intf, &n_endpoints), IOREG_RETURN_SUCCESS);
        assert_int_equal(n_endpoints, 1);
        assert_int_equal((*intf)->GetPipeProperties(intf, 1, &dir, &number, &type, &mps, &interval),
                         IOREG_RETURN_SUCCESS);
        assert_int_equal(dir, IOREG_USB_IN);
        assert_int_equal(number, 1);
        assert_int_equal(type, IOREG_USB_INTERRUPT);
        assert_int_equal(mps, 8);
        assert_int_equal(interval, 8);
        assert_int_equal((*intf)->GetPipeProperties(intf, 2, &dir, &number, &type, &mps, &interval),
                         IOREG_RETURN_BAD_ARGUMENT);
        /* Its device, through the kernel driver's entry. */
        assert_int_equal((*intf)->GetDevice(intf, &parent), IOREG_RETURN_SUCCESS);
        assert_true(ioreg_object_is_equal_to(parent, kbd));
        ioreg_object_release(parent);
        /* usbhid holds it: kIOReturnExclusiveAccess, as a kext would on a Mac. */
        assert_int_equal((*intf)->USBInterfaceOpen(intf), IOREG_RETURN_EXCLUSIVE_ACCESS);
        {
                uint32_t size = 8;
                uint8_t buf[8];

                assert_int_equal((*intf)->ReadPipe(intf, 1, buf, &size), IOREG_RETURN_NOT_OPEN);
        }
        assert_int_equal((*intf)->Release(intf), 0);
        ioreg_object_release(s);
        (*dev)->Release(dev);
        ioreg_object_release(kbd);
}

/* org.ioreg.USB1.Open from a connection of its own (another application). */
static int raw_open(sd_bus *bus, uint64_t id, sd_bus_error *error, int *ret_fd) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int fd, r;

        r = sd_bus_call_method(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_USB_INTERFACE, IOREG_USB_OPEN, error,
                               &reply, "tu", id, UINT32_C(0));
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "h", &fd);
        if (r < 0)
                return r;
        *ret_fd = dup(fd);
        return 0;
}

static void test_exclusive_open_between_applications(void **state) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus *a = NULL, *b = NULL;
        ioreg_service_t kbd = service_at(KBD_DEV);
        uint64_t id = 0;
        int fd_a = -1, fd_b = -1;

        assert_int_equal(ioreg_registry_entry_get_registry_entry_id(kbd, &id), IOREG_RETURN_SUCCESS);
        assert_int_equal(test_bus_connect_address(test_bus.address, &a), 0);
        assert_int_equal(test_bus_connect_address(test_bus.address, &b), 0);
        /* A holds the device: B is refused, and so is A's second open. */
        assert_int_equal(raw_open(a, id, &error, &fd_a), 0);
        assert_true(fd_a >= 0);
        assert_true(raw_open(b, id, &error, &fd_b) < 0);
        assert_string_equal(error.name, IOREG_ERROR_EXCLUSIVE_ACCESS);
        sd_bus_error_free(&error);
        assert_true(raw_open(a, id, &error, &fd_b) < 0);
        assert_string_equal(error.name, IOREG_ERROR_EXCLUSIVE_ACCESS);
        sd_bus_error_free(&error);
        /* Close by someone else is NotOpen; A's Close ends the hold and B gets it. */
        assert_true(sd_bus_call_method(b, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_USB_INTERFACE, IOREG_USB_CLOSE,
                                       &error, NULL, "t", id) < 0);
        assert_string_equal(error.name, IOREG_ERROR_NOT_OPEN);
        sd_bus_error_free(&error);
        assert_true(sd_bus_call_method(a, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_USB_INTERFACE, IOREG_USB_CLOSE,
                                       &error, NULL, "t", id) >= 0);
        assert_int_equal(raw_open(b, id, &error, &fd_b), 0);
        /* B leaves the bus without closing: the hold ends with it, A opens again. */
        sd_bus_flush_close_unref(b);
        for (int i = 0; i < 100; i++) {
                sd_bus_error_free(&error);
                close(fd_a);
                fd_a = -1;
                if (raw_open(a, id, &error, &fd_a) == 0)
                        break;
                usleep(20000);
        }
        assert_true(fd_a >= 0);
        /* Not a USB nub: NotSupported; unknown options: InvalidArgument. */
        sd_bus_error_free(&error);
        assert_true(sd_bus_call_method(a, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_USB_INTERFACE, IOREG_USB_OPEN,
                                       &error, NULL, "tu", ROOT_ID, UINT32_C(0)) < 0);
        assert_string_equal(error.name, IOREG_ERROR_NOT_SUPPORTED);
        sd_bus_error_free(&error);
        assert_true(sd_bus_call_method(a, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_USB_INTERFACE, IOREG_USB_OPEN,
                                       &error, NULL, "tu", id, UINT32_C(0x10)) < 0);
        assert_string_equal(error.name, IOREG_ERROR_INVALID_ARGUMENT);
        close(fd_a);
        close(fd_b);
        sd_bus_flush_close_unref(a);
        ioreg_object_release(kbd);
}

/* The library's USBDeviceOpen reaches the daemon's rule too: another application holds it. */
static void test_library_open_refused_while_held(void **state) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        ioreg_service_t kbd = service_at(KBD_DEV);
        ioreg_usb_device_interface **dev = usb_object(kbd, IOREG_USB_DEVICE_USER_CLIENT_TYPE_ID,
                                                      IOREG_USB_DEVICE_INTERFACE_ID182);
        sd_bus *other = NULL;
        uint64_t id = 0;
        int fd = -1;

        assert_int_equal(ioreg_registry_entry_get_registry_entry_id(kbd, &id), IOREG_RETURN_SUCCESS);
        assert_int_equal(test_bus_connect_address(test_bus.address, &other), 0);
        assert_int_equal(raw_open(other, id, &error, &fd), 0);
        assert_int_equal((*dev)->USBDeviceOpen(dev), IOREG_RETURN_EXCLUSIVE_ACCESS);
        assert_int_equal(ioreg_return_to_iokit((*dev)->USBDeviceOpenSeize(dev)), kIOReturnExclusiveAccess);
        assert_int_equal((*dev)->USBDeviceClose(dev), IOREG_RETURN_NOT_OPEN);
        close(fd);
        sd_bus_flush_close_unref(other);
        (*dev)->Release(dev);
        ioreg_object_release(kbd);
}

/* A service of another class: the plug-in declines (Apple's IOUSBLib probes the class too). */
static void test_wrong_class(void **state) {
        ioreg_service_t intf = service_at(KBD_INTF);
        ioreg_cf_plugin_interface **plugin = NULL;

        assert_int_equal(ioreg_create_plugin_interface_for_service(intf, IOREG_USB_DEVICE_USER_CLIENT_TYPE_ID,
                                                                   IOREG_CF_PLUGIN_INTERFACE_ID, &plugin, NULL),
                         IOREG_RETURN_UNSUPPORTED);
        assert_null(plugin);
        ioreg_object_release(intf);
}

/* The Linux SYSPATHs of every IOUSBHostInterface that dictionary (consumed) matches, space-separated (owned). */
static char *matching_interfaces(json_t *dict) {
        ioreg_iterator_t it = NULL;
        ioreg_service_t s;
        char *out = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&out, &size);

        assert_non_null(f);
        assert_int_equal(ioreg_service_get_matching_services(dict, &it), IOREG_RETURN_SUCCESS);
        while ((s = ioreg_iterator_next(it))) {
                json_t *linux_dict = ioreg_registry_entry_create_property(s, "Linux", 0);

                fprintf(f, " %s", json_string_value(json_object_get(linux_dict, "SYSPATH")));
                json_decref(linux_dict);
                ioreg_object_release(s);
        }
        ioreg_object_release(it);
        assert_int_equal(fclose(f), 0);
        return out;
}

static json_t *interfaces_at(uint32_t location, bool as_property_match) {
        json_t *m = ioreg_service_matching("IOUSBHostInterface"), *props = json_object();

        json_object_set_new(props, "locationID", json_integer(location));
        if (as_property_match)
                json_object_set_new(m, "IOPropertyMatch", props);
        else {
                json_object_update(m, props);
                json_decref(props);
        }
        return m;
}

/*
 * An interface carries its device's locationID (IOUSBInterface::SetProperties), so IOPropertyMatch
 * {locationID} finds the keyboard's interface and not the FT232R's (0x01130000), and the other way round.
 * At the top level locationID is no USB matching key (IOUSBFamily's matchPropertyTable reads the idVendor
 * ... bInterfaceNumber keys only; IOUSBHostMatchingPropertyKey has no location; libusb puts it in
 * IOPropertyMatch for that reason): there it is ignored and every interface matches, as on a Mac.
 */
static void test_location_id_matching(void **state) {
        _cleanup_free_ char *kbd = matching_interfaces(interfaces_at(0x01154200, true));
        _cleanup_free_ char *serial = matching_interfaces(interfaces_at(0x01130000, true));
        _cleanup_free_ char *none = matching_interfaces(interfaces_at(0x01150000, true));
        _cleanup_free_ char *top = matching_interfaces(interfaces_at(0x01154200, false));

        assert_string_equal(kbd, " " KBD_INTF);
        assert_string_equal(serial, " " SERIAL_DEV "/1-1.3:1.0");
        assert_string_equal(none, "");
        assert_non_null(strstr(top, " " KBD_INTF));
        assert_non_null(strstr(top, " " SERIAL_DEV "/1-1.3:1.0"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_device_getters_before_open),
                cmocka_unit_test(test_interface_iterator_and_pipes),
                cmocka_unit_test(test_exclusive_open_between_applications),
                cmocka_unit_test(test_library_open_refused_while_held),
                cmocka_unit_test(test_wrong_class),
                cmocka_unit_test(test_location_id_matching),
        };

        return cmocka_run_group_tests_name("libioreg-usb", tests, group_setup, group_teardown);
}
