/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg-driver-usb-serial: a USB driver server in the shape of Apple's
 * USB serial dexts. It opens its provider (an IOUSBHostDevice, exclusively)
 * and publishes one IOSerialBSDClient nub below itself, which is matched in
 * turn like any other nub. The TTY names are the driver's own: this example
 * moves no bytes.
 */

#include <stdio.h>
#include <unistd.h>

#include <ioreg/ioreg.h>

static ioreg_return_t serial_start(ioreg_driver *driver, void *userdata) {
        json_t *props, *nub;
        uint64_t nub_id = 0;
        ioreg_return_t r;

        r = ioreg_driver_open_provider(driver);
        if (r != IOREG_RETURN_SUCCESS) {
                fprintf(stderr, "cannot open my USB device: %s\n", ioreg_return_string(r));
                return r;
        }
        props = json_pack("{s:I}", "IORegDriverPID", (json_int_t) getpid());
        r = props ? ioreg_driver_set_properties(driver, props) : IOREG_RETURN_NO_MEMORY;
        json_decref(props);
        if (r != IOREG_RETURN_SUCCESS)
                return r;
        nub = json_pack("{s:s, s:s, s:s, s:s}", "IOTTYBaseName", "ioreg-usbserial", "IOTTYSuffix", "0",
                        "IOTTYDevice", "ioreg-usbserial0", "IOSerialBSDClientType", "IOSerialStream");
        r = nub ? ioreg_driver_register_nub(driver, "IOSerialBSDClient", "IOSerialBSDClient", nub, &nub_id)
                : IOREG_RETURN_NO_MEMORY;
        json_decref(nub);
        if (r != IOREG_RETURN_SUCCESS) {
                fprintf(stderr, "cannot publish my serial nub: %s\n", ioreg_return_string(r));
                return r;
        }
        printf("driving USB device 0x%llx, serial nub 0x%llx\n",
               (unsigned long long) ioreg_driver_get_provider_id(driver), (unsigned long long) nub_id);
        fflush(stdout);
        return IOREG_RETURN_SUCCESS;
}

static void serial_message(ioreg_driver *driver, uint32_t type, uint64_t argument, void *userdata) {
        if (type == 0xe0000010u) /* kIOMessageServiceIsTerminated */
                printf("my USB device is going\n");
        fflush(stdout);
}

static void serial_stop(ioreg_driver *driver, void *userdata) {
        (void) ioreg_driver_close_provider(driver);
        printf("stopped\n");
        fflush(stdout);
}

int main(void) {
        static const ioreg_driver_class classes[] = {
                { .name = "IORegUSBSerialDriver", .start = serial_start, .stop = serial_stop,
                  .message = serial_message },
        };

        return ioreg_driver_server_run(classes, 1, NULL);
}
