/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * usb-notify [VENDOR [PRODUCT]]: a line-by-line port of Apple's classic USB
 * notification sample (USBPrivateDataSample: "Device added." with the
 * device's name and location ID, then "Device removed." when it goes),
 * IOKitLib calls replaced by their libioreg names. Differences, each marked
 * "port:" below: the run loop is ioreg_notification_port_run(); the
 * location ID is read from the registry instead of through a USB device
 * plug-in interface; the class is IOUSBHostDevice. IDs are decimal, as in
 * the sample. Ends on SIGINT.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioreg/ioreg.h>

#define kMyVendorID 1351
#define kMyProductID 8193

typedef struct MyPrivateData {
        ioreg_object_t notification;
        char *deviceName;
        uint32_t locationID;
} MyPrivateData;

static ioreg_notification_port_t gNotifyPort;
static ioreg_iterator_t gAddedIter;

/* DeviceNotification: called when a device is removed (and for the device's other messages). */
static void DeviceNotification(void *refCon, ioreg_service_t service, uint32_t messageType, void *messageArgument) {
        ioreg_return_t kr;
        MyPrivateData *privateDataRef = (MyPrivateData *) refCon;

        if (messageType == IOREG_MESSAGE_SERVICE_IS_TERMINATED) {
                fprintf(stderr, "Device removed.\n");

                /* Dump our private data to stderr just to see what it looks like. */
                fprintf(stderr, "privateDataRef->deviceName: %s\n", privateDataRef->deviceName);
                fprintf(stderr, "privateDataRef->locationID: 0x%lx.\n\n", (unsigned long) privateDataRef->locationID);

                /* Free the data we're no longer using now that the device is going away. */
                free(privateDataRef->deviceName);
                kr = ioreg_object_release(privateDataRef->notification);
                (void) kr;
                free(privateDataRef);
        }
}

/* DeviceAdded: called when a device is matched; drains the iterator, which also arms it again. */
static void DeviceAdded(void *refCon, ioreg_iterator_t iterator) {
        ioreg_return_t kr;
        ioreg_service_t usbDevice;

        while ((usbDevice = ioreg_iterator_next(iterator))) {
                ioreg_name_t deviceName;
                MyPrivateData *privateDataRef = NULL;
                uint32_t locationID;
                json_t *locationRef;

                printf("Device added.\n");
                fflush(stdout);

                /* Add some app-specific information about this device. Create a buffer to hold the data. */
                privateDataRef = calloc(1, sizeof(MyPrivateData));

                /* Get the USB device's name. */
                kr = ioreg_registry_entry_get_name(usbDevice, deviceName);
                if (IOREG_RETURN_SUCCESS != kr)
                        deviceName[0] = '\0';

                /* Dump our data to stderr just to see what it looks like. */
                fprintf(stderr, "deviceName: %s\n", deviceName);

                /* Save the device's name to our private data. */
                privateDataRef->deviceName = strdup(deviceName);

                /* port: the locationID property, where the sample asks the device interface (GetLocationID). */
                locationRef = ioreg_registry_entry_create_property(usbDevice, "locationID", 0);
                locationID = json_is_integer(locationRef) ? (uint32_t) json_integer_value(locationRef) : 0;
                json_decref(locationRef);
                fprintf(stderr, "Location ID: 0x%lx\n\n", (unsigned long) locationID);
                privateDataRef->locationID = locationID;

                /*
                 * Register for an interest notification of this device being removed. Use a reference to our
                 * private data as the refCon which will be passed to the notification callback.
                 */
                kr = ioreg_service_add_interest_notification(gNotifyPort,                   /* notifyPort */
                                                             usbDevice,                     /* service */
                                                             IOREG_GENERAL_INTEREST,        /* interestType */
                                                             DeviceNotification,            /* callback */
                                                             privateDataRef,                /* refCon */
                                                             &(privateDataRef->notification) /* notification */
                );
                if (IOREG_RETURN_SUCCESS != kr) {
                        printf("IOServiceAddInterestNotification returned 0x%08x (%s).\n", kr, ioreg_return_string(kr));
                        fflush(stdout);
                }

                /* Done with this USB device; release the reference added by IOIteratorNext. */
                kr = ioreg_object_release(usbDevice);
        }
}

static void SignalHandler(int sigraised) {
        fprintf(stderr, "\nInterrupted.\n");
        /* port: _exit, not exit: the handler may interrupt the library. */
        _exit(0);
}

int main(int argc, const char *argv[]) {
        json_t *matchingDict;
        ioreg_return_t kr;
        long usbVendor = kMyVendorID;
        long usbProduct = kMyProductID;
        void (*oldHandler)(int);

        /* Pick up command line arguments. */
        if (argc > 1)
                usbVendor = atoi(argv[1]);
        if (argc > 2)
                usbProduct = atoi(argv[2]);

        /* Set up a signal handler so we can clean up when we're interrupted from the command line. */
        oldHandler = signal(SIGINT, SignalHandler);
        if (oldHandler == SIG_ERR)
                fprintf(stderr, "Could not establish new signal handler.");

        fprintf(stderr, "Looking for devices matching vendor ID=%ld and product ID=%ld.\n", usbVendor, usbProduct);

        /* Set up the matching criteria for the devices we're interested in. */
        matchingDict = ioreg_service_matching("IOUSBHostDevice"); /* port: kIOUSBDeviceClassName */
        if (matchingDict == NULL) {
                fprintf(stderr, "IOServiceMatching returned NULL.\n");
                return -1;
        }

        /* We are interested in all USB devices (as opposed to USB interfaces). Add the vendor and product. */
        json_object_set_new(matchingDict, "idVendor", json_integer(usbVendor));
        json_object_set_new(matchingDict, "idProduct", json_integer(usbProduct));

        /* Create a notification port. port: its fd is polled by ioreg_notification_port_run below. */
        gNotifyPort = ioreg_notification_port_create();
        if (!gNotifyPort) {
                fprintf(stderr, "IONotificationPortCreate failed.\n");
                return -1;
        }

        /* Now set up a notification to be called when a device is first matched by I/O Kit. */
        kr = ioreg_service_add_matching_notification(gNotifyPort,                    /* notifyPort */
                                                     IOREG_FIRST_MATCH_NOTIFICATION, /* notificationType */
                                                     matchingDict,                   /* matching */
                                                     DeviceAdded,                    /* callback */
                                                     NULL,                           /* refCon */
                                                     &gAddedIter                     /* notification */
        );
        if (kr != IOREG_RETURN_SUCCESS) {
                fprintf(stderr, "IOServiceAddMatchingNotification: %s\n", ioreg_return_string(kr));
                return -1;
        }

        /* Iterate once to get already-present devices and arm the notification. */
        DeviceAdded(NULL, gAddedIter);

        /* Start the run loop. Now we'll receive notifications. */
        fprintf(stderr, "Starting run loop.\n\n");
        for (;;)
                (void) ioreg_notification_port_run(gNotifyPort, UINT64_MAX); /* port: CFRunLoopRun() */

        /* We should never get here. */
        fprintf(stderr, "Unexpectedly back from CFRunLoopRun()!\n");
        return 0;
}
