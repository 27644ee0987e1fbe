/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * usb-app: the book's chapter 16 flow (user-space USB for an application),
 * ported to libioreg's IOUSBLib plug-ins (ioreg/usb.h): find the device by
 * vendor and product, get its device interface, print its descriptors,
 * open it, iterate its interfaces, open one, find its pipes; then move
 * bytes as told on stdin, one command a line, answering on stdout:
 *
 *   control TYPE REQUEST VALUE INDEX LENGTH [HEX]   DeviceRequest (the
 *                 interface's ControlRequest with --interface-only)
 *   write PIPE HEX            WritePipe
 *   read PIPE SIZE TIMEOUT    ReadPipeTO (milliseconds)
 *   async-read PIPE SIZE      ReadPipeAsync; "async-done RESULT COUNT" later
 *   quit                      close and release everything, print the fds
 *
 * Numbers are hexadecimal; results are Apple's IOReturn numbers
 * (ioreg_return_to_iokit), so "e00002c5" is kIOReturnExclusiveAccess.
 *
 * usb-app VENDOR PRODUCT [--seize] [--interface N] [--interface-only]
 * Exit status: 0 after quit, 1 not found or bad use, 2 an open failed.
 */

#include <dirent.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioreg/ioreg.h>
#include <ioreg/iokit-compat.h>

static unsigned count_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        unsigned n = 0;

        for (struct dirent *e; d && (e = readdir(d));)
                n += e->d_name[0] != '.';
        if (d)
                closedir(d);
        return n - 1; /* the DIR's own */
}

static void print_hex(const void *p, size_t n) {
        for (size_t i = 0; i < n; i++)
                printf("%02x", ((const unsigned char *) p)[i]);
}

static size_t parse_hex(const char *s, unsigned char *out, size_t max) {
        size_t n = 0;

        while (s && s[0] && s[1] && n < max) {
                unsigned b;

                if (sscanf(s, "%2x", &b) != 1)
                        break;
                out[n++] = (unsigned char) b;
                s += 2;
        }
        return n;
}

/* IOCreatePlugInInterfaceForService, QueryInterface, IODestroyPlugInInterface: the book's three steps. */
static void *get_interface(ioreg_service_t service, const char *type, const char *id) {
        ioreg_cf_plugin_interface **plugin = NULL;
        void *obj = NULL;
        int32_t score;
        ioreg_return_t r;

        r = ioreg_create_plugin_interface_for_service(service, type, IOREG_CF_PLUGIN_INTERFACE_ID, &plugin, &score);
        if (r != IOREG_RETURN_SUCCESS) {
                printf("error IOCreatePlugInInterfaceForService %08x\n", ioreg_return_to_iokit(r));
                return NULL;
        }
        if ((*plugin)->QueryInterface(plugin, id, &obj) != IOREG_S_OK)
                obj = NULL;
        ioreg_destroy_plugin_interface(plugin);
        return obj;
}

static void on_async_read(void *refcon, ioreg_return_t result, void *arg0) {
        printf("async-done %08x %u\n", ioreg_return_to_iokit(result), (unsigned) (uintptr_t) arg0);
        fflush(stdout);
        free(refcon);
}

int main(int argc, char **argv) {
        ioreg_usb_device_interface **dev = NULL;
        ioreg_usb_interface_interface **intf = NULL;
        ioreg_usb_find_interface_request any = { 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF };
        ioreg_notification_port_t port = NULL;
        ioreg_iterator_t it = NULL;
        ioreg_service_t service, s;
        unsigned vendor, product, want_interface = 0, fds_before;
        int seize = 0, interface_only = 0, device_open = 0, status = 2;
        uint16_t v16a = 0, v16b = 0, v16c = 0, address = 0;
        uint8_t cls = 0, sub = 0, proto = 0, nconf = 0, speed = 0, n_endpoints = 0;
        uint32_t location = 0;
        json_t *matching;
        ioreg_return_t r;
        char line[4096];

        if (argc < 3 || sscanf(argv[1], "%x", &vendor) != 1 || sscanf(argv[2], "%x", &product) != 1) {
                fprintf(stderr, "usage: usb-app VENDOR PRODUCT [--seize] [--interface N] [--interface-only]\n");
                return 1;
        }
        for (int i = 3; i < argc; i++) {
                if (strcmp(argv[i], "--seize") == 0)
                        seize = 1;
                else if (strcmp(argv[i], "--interface-only") == 0)
                        interface_only = 1;
                else if (strcmp(argv[i], "--interface") == 0 && i + 1 < argc)
                        want_interface = (unsigned) strtoul(argv[++i], NULL, 0);
        }
        setvbuf(stdout, NULL, _IOLBF, 0);

        /* Listing 15-1: IOServiceMatching(kIOUSBDeviceClassName) with the vendor and product. */
        matching = ioreg_service_matching(kIOUSBHostDeviceClassName);
        json_object_set_new(matching, kUSBVendorID, json_integer(vendor));
        json_object_set_new(matching, kUSBProductID, json_integer(product));
        service = ioreg_service_get_matching_service(matching);
        if (!service) {
                printf("error not-found\n");
                return 1;
        }
        fds_before = count_fds(); /* the library's connection is open now, and stays */
        dev = get_interface(service, IOREG_USB_DEVICE_USER_CLIENT_TYPE_ID, IOREG_USB_DEVICE_INTERFACE_ID300);
        ioreg_object_release(service);
        if (!dev)
                return 1;

        /* The descriptor getters work before the open. */
        (*dev)->GetDeviceVendor(dev, &v16a);
        (*dev)->GetDeviceProduct(dev, &v16b);
        (*dev)->GetDeviceReleaseNumber(dev, &v16c);
        (*dev)->GetDeviceClass(dev, &cls);
        (*dev)->GetDeviceSubClass(dev, &sub);
        (*dev)->GetDeviceProtocol(dev, &proto);
        (*dev)->GetNumberOfConfigurations(dev, &nconf);
        (*dev)->GetDeviceAddress(dev, &address);
        (*dev)->GetDeviceSpeed(dev, &speed);
        (*dev)->GetLocationID(dev, &location);
        printf("device %04x %04x %04x %02x %02x %02x %u address %u speed %u location %08x\n", v16a, v16b, v16c, cls,
               sub, proto, nconf, address, speed, location);
        for (uint8_t i = 0; i < nconf; i++) {
                ioreg_usb_configuration_descriptor *c = NULL;

                if ((*dev)->GetConfigurationDescriptorPtr(dev, i, &c) == IOREG_RETURN_SUCCESS) {
                        printf("config%u ", i);
                        print_hex(c, c->wTotalLength);
                        printf("\n");
                }
        }

        if (!interface_only) {
                r = seize ? (*dev)->USBDeviceOpenSeize(dev) : (*dev)->USBDeviceOpen(dev);
                printf("device-open %08x\n", ioreg_return_to_iokit(r));
                if (r != IOREG_RETURN_SUCCESS)
                        goto out;
                device_open = 1;
        }

        /* Every interface; the one asked for is opened. */
        r = (*dev)->CreateInterfaceIterator(dev, &any, &it);
        if (r != IOREG_RETURN_SUCCESS) {
                printf("error CreateInterfaceIterator %08x\n", ioreg_return_to_iokit(r));
                goto out;
        }
        while ((s = ioreg_iterator_next(it))) {
                ioreg_usb_interface_interface **candidate =
                        get_interface(s, IOREG_USB_INTERFACE_USER_CLIENT_TYPE_ID, IOREG_USB_INTERFACE_INTERFACE_ID300);
                uint8_t number = 0;

                ioreg_object_release(s);
                if (!candidate)
                        continue;
                (*candidate)->GetInterfaceNumber(candidate, &number);
                (*candidate)->GetInterfaceClass(candidate, &cls);
                (*candidate)->GetInterfaceSubClass(candidate, &sub);
                (*candidate)->GetInterfaceProtocol(candidate, &proto);
                printf("interface %u %02x %02x %02x\n", number, cls, sub, proto);
                if (!intf && number == want_interface)
                        intf = candidate;
                else
                        (*candidate)->Release(candidate);
        }
        ioreg_object_release(it);
        if (!intf) {
                printf("error no-interface\n");
                goto out;
        }
        r = seize ? (*intf)->USBInterfaceOpenSeize(intf) : (*intf)->USBInterfaceOpen(intf);
        printf("interface-open %08x\n", ioreg_return_to_iokit(r));
        if (r != IOREG_RETURN_SUCCESS)
                goto out;

        /* Its pipes: 0 is the control pipe, then the endpoints. */
        (*intf)->GetNumEndpoints(intf, &n_endpoints);
        for (uint8_t p = 1; p <= n_endpoints; p++) {
                uint8_t dir = 0, num = 0, type = 0, interval = 0;
                uint16_t mps = 0;

                (*intf)->GetPipeProperties(intf, p, &dir, &num, &type, &mps, &interval);
                printf("pipe %u dir %u number %u type %u mps %u interval %u\n", p, dir, num, type, mps, interval);
        }
        r = (*intf)->CreateInterfaceAsyncEventSource(intf, &port);
        if (r != IOREG_RETURN_SUCCESS) {
                printf("error CreateInterfaceAsyncEventSource %08x\n", ioreg_return_to_iokit(r));
                goto out;
        }
        printf("ready\n");

        for (;;) {
                struct pollfd p[2] = {
                        { .fd = 0, .events = POLLIN },
                        { .fd = ioreg_notification_port_get_fd(port), .events = POLLIN },
                };
                unsigned a, b, c, d, e, pipe;
                char hex[4000] = "";
                unsigned char data[2048];

                if (poll(p, 2, -1) < 0)
                        break;
                if (p[1].revents)
                        ioreg_notification_port_dispatch(port); /* async completions run here */
                if (!p[0].revents)
                        continue;
                if (!fgets(line, sizeof(line), stdin) || strncmp(line, "quit", 4) == 0)
                        break;
                if (sscanf(line, "control %x %x %x %x %x %3999s", &a, &b, &c, &d, &e, hex) >= 5) {
                        ioreg_usb_dev_request req = {
                                .bmRequestType = (uint8_t) a, .bRequest = (uint8_t) b, .wValue = (uint16_t) c,
                                .wIndex = (uint16_t) d, .wLength = (uint16_t) (e > sizeof(data) ? sizeof(data) : e),
                                .pData = data,
                        };

                        parse_hex(hex, data, sizeof(data));
                        r = device_open ? (*dev)->DeviceRequest(dev, &req) : (*intf)->ControlRequest(intf, 0, &req);
                        printf("control %08x %u ", ioreg_return_to_iokit(r), req.wLenDone);
                        print_hex(data, (a & 0x80) ? req.wLenDone : 0);
                        printf("\n");
                } else if (sscanf(line, "write %x %3999s", &pipe, hex) == 2) {
                        size_t n = parse_hex(hex, data, sizeof(data));

                        r = (*intf)->WritePipe(intf, (uint8_t) pipe, data, (uint32_t) n);
                        printf("write %08x\n", ioreg_return_to_iokit(r));
                } else if (sscanf(line, "read %x %x %x", &pipe, &a, &b) == 3) {
                        uint32_t size = a > sizeof(data) ? sizeof(data) : a;

                        r = (*intf)->ReadPipeTO(intf, (uint8_t) pipe, data, &size, b, b);
                        printf("read %08x ", ioreg_return_to_iokit(r));
                        print_hex(data, r == IOREG_RETURN_SUCCESS ? size : 0);
                        printf("\n");
                } else if (sscanf(line, "async-read %x %x", &pipe, &a) == 2) {
                        void *buf = malloc(a ? a : 1); /* the callback frees it */

                        r = (*intf)->ReadPipeAsync(intf, (uint8_t) pipe, buf, a, on_async_read, buf);
                        if (r != IOREG_RETURN_SUCCESS)
                                free(buf);
                        printf("async-submitted %08x\n", ioreg_return_to_iokit(r));
                } else
                        printf("error unknown-command\n");
        }
        status = 0;
out:
        /* Close and Release: pending transfers complete (ABORTED) first, the holds end, the fds go. */
        if (intf) {
                (*intf)->USBInterfaceClose(intf);
                (*intf)->Release(intf);
        }
        if (device_open)
                (*dev)->USBDeviceClose(dev);
        (*dev)->Release(dev);
        printf("fds %u %u\n", fds_before, count_fds());
        return status;
}
