/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libusb-darwin-port: the registry and hotplug parts of libusb's macOS
 * backend (libusb/os/darwin_usb.c: darwin_scan_devices,
 * darwin_get_cached_device, darwin_device_from_service,
 * darwin_cache_device_descriptor, darwin_check_configuration,
 * get_device_port, get_device_parent_sessionID, process_new_device, the
 * event thread with darwin_devices_attached / darwin_devices_detached),
 * ported mechanically to libioreg: same functions, same order of calls,
 * IOKit names turned into libioreg's (ioreg/usb.h, ioreg/iokit-compat.h).
 * The libusb core the backend feeds is replaced by printing: each device
 * the scan enumerates as `lsusb` prints it, then (with --watch) a line per
 * device that arrives or leaves, keyed on sessionID as libusb keys them.
 *
 *   libusb-darwin-port [--watch]
 *
 *   Bus BBB Device DDD: ID vvvv:pppp port P session S parent S speed N config C
 *   ready                          (--watch: the hotplug thread runs; EOF on stdin ends it)
 *   connected Bus BBB Device DDD: ID vvvv:pppp port P session S
 *   disconnected session S location L
 */

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ioreg/ioreg.h>
#include <ioreg/iokit-compat.h>

typedef ioreg_usb_device_interface **usb_device_t;

/* IOUSBDeviceDescriptor, as the device sends it. */
typedef struct __attribute__((packed)) IOUSBDeviceDescriptor {
        uint8_t bLength, bDescriptorType;
        uint16_t bcdUSB;
        uint8_t bDeviceClass, bDeviceSubClass, bDeviceProtocol, bMaxPacketSize0;
        uint16_t idVendor, idProduct, bcdDevice;
        uint8_t iManufacturer, iProduct, iSerialNumber, bNumConfigurations;
} IOUSBDeviceDescriptor;

/* darwin_usb.h's struct darwin_cached_device, the fields enumeration uses. */
struct darwin_cached_device {
        struct darwin_cached_device *next;
        IOUSBDeviceDescriptor dev_descriptor;
        uint32_t location;
        uint64_t parent_session;
        uint64_t session;
        uint16_t address;
        usb_device_t device;
        ioreg_service_t service;
        uint8_t port;
        uint8_t first_config, active_config;
        int can_enumerate;
        int refcount;
        bool announced; /* stands for usbi_connect_device: the libusb core knows it */
};

static const char *darwin_device_class = kIOUSBDeviceClassName;
static pthread_mutex_t darwin_cached_devices_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct darwin_cached_device *darwin_cached_devices;
static pthread_mutex_t libusb_darwin_at_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t libusb_darwin_at_cond = PTHREAD_COND_INITIALIZER;
static ioreg_notification_port_t libusb_darwin_acfl; /* the event thread's "run loop": its port */
static int libusb_darwin_startup_failed;
static pthread_t libusb_darwin_at;
static pthread_t event_thread; /* set by the event thread itself, before it signals that it runs */

static void darwin_unref_cached_device_locked(struct darwin_cached_device *dev) {
        if (--dev->refcount > 0)
                return;
        for (struct darwin_cached_device **p = &darwin_cached_devices; *p; p = &(*p)->next)
                if (*p == dev) {
                        *p = dev->next;
                        break;
                }
        if (dev->device)
                (*dev->device)->Release(dev->device);
        if (dev->service)
                ioreg_object_release(dev->service);
        free(dev);
}

static void darwin_unref_cached_device(struct darwin_cached_device *dev) {
        pthread_mutex_lock(&darwin_cached_devices_mutex);
        darwin_unref_cached_device_locked(dev);
        pthread_mutex_unlock(&darwin_cached_devices_mutex);
}

static ioreg_return_t usb_setup_device_iterator(ioreg_iterator_t *deviceIterator, uint32_t location) {
        json_t *matchingDict = ioreg_service_matching(darwin_device_class);

        if (!matchingDict)
                return IOREG_RETURN_ERROR;
        if (location) {
                json_t *propertyMatchDict = json_object();

                /* Apple stores locationID as a signed 32-bit number; a JSON integer carries either. */
                if (propertyMatchDict) {
                        json_object_set_new(propertyMatchDict, kUSBDevicePropertyLocationID, json_integer(location));
                        json_object_set_new(matchingDict, kIOPropertyMatchKey, propertyMatchDict);
                }
        }
        return ioreg_service_get_matching_services(matchingDict, deviceIterator);
}

/* IORegistryEntryCreateCFProperty + CFNumberGetValue: 1 on success. */
static bool get_ioregistry_value_number(ioreg_service_t service, const char *property, int bits, void *p) {
        json_t *cfNumber = ioreg_registry_entry_create_property(service, property, 0);
        ioreg_return_t r = IOREG_RETURN_BAD_ARGUMENT;

        if (cfNumber) {
                switch (bits) {
                case 8:
                        r = ioreg_json_get_u8(cfNumber, p);
                        break;
                case 32:
                        r = ioreg_json_get_u32(cfNumber, p);
                        break;
                default:
                        r = ioreg_json_get_u64(cfNumber, p);
                }
                ioreg_json_release(cfNumber);
        }
        return r == IOREG_RETURN_SUCCESS;
}

/* IORegistryEntryCreateCFProperty + CFDataGetBytes: 1 on success. */
static bool get_ioregistry_value_data(ioreg_service_t service, const char *property, size_t size, void *p) {
        json_t *cfData = ioreg_registry_entry_create_property(service, property, 0);
        uint8_t *bytes = NULL;
        size_t length = 0;
        bool success = false;

        if (cfData && ioreg_json_copy_data(cfData, &bytes, &length) == IOREG_RETURN_SUCCESS) {
                memcpy(p, bytes, length < size ? length : size);
                free(bytes);
                success = true;
        }
        ioreg_json_release(cfData);
        return success;
}

static ioreg_return_t darwin_device_from_service(ioreg_service_t service, usb_device_t *device) {
        ioreg_cf_plugin_interface **plugInInterface = NULL;
        ioreg_return_t kresult = IOREG_RETURN_ERROR;
        int32_t score;

        /* darwin_usb.c retries: IOKit sometimes answers "out of resources" the first time. */
        for (int count = 0; count < 5; count++) {
                kresult = ioreg_create_plugin_interface_for_service(service, kIOUSBDeviceUserClientTypeID,
                                                                    kIOCFPlugInInterfaceID, &plugInInterface, &score);
                if (kresult == IOREG_RETURN_SUCCESS && plugInInterface)
                        break;
                nanosleep(&(struct timespec) { .tv_nsec = 1000 }, NULL);
        }
        if (kresult != IOREG_RETURN_SUCCESS)
                return kresult;
        *device = NULL;
        if ((*plugInInterface)->QueryInterface(plugInInterface, kIOUSBDeviceInterfaceID300, (void **) device) !=
            IOREG_S_OK)
                kresult = IOREG_RETURN_UNSUPPORTED;
        /* Release, not IODestroyPlugInInterface, as darwin_usb.c does. */
        (*plugInInterface)->Release(plugInInterface);
        if (kresult != IOREG_RETURN_SUCCESS)
                return kresult;
        return *device ? IOREG_RETURN_SUCCESS : IOREG_RETURN_ERROR;
}

static ioreg_return_t darwin_request_descriptor(usb_device_t device, uint8_t desc, uint8_t desc_index, void *buffer,
                                                size_t buffer_size) {
        IOUSBDevRequestTO req = {
                .bmRequestType = 0x80, /* USBmakebmRequestType(kUSBIn, kUSBStandard, kUSBDevice) */
                .bRequest = 6,         /* kUSBRqGetDescriptor */
                .wValue = (uint16_t) (desc << 8),
                .wIndex = desc_index,
                .wLength = (uint16_t) buffer_size,
                .pData = buffer,
                .noDataTimeout = 20,
                .completionTimeout = 100,
        };

        memset(buffer, 0, buffer_size);
        return (*device)->DeviceRequestTO(device, &req);
}

static ioreg_return_t darwin_cache_device_descriptor(struct darwin_cached_device *dev, usb_device_t device) {
        int retries = 1, is_open;
        ioreg_return_t ret;
        uint16_t idProduct = 0;

        dev->can_enumerate = 0;
        (*device)->GetDeviceProduct(device, &idProduct);
        /* As Apple's USB Prober does not, but libusb does to follow the documentation: open first. */
        is_open = (*device)->USBDeviceOpenSeize(device) == IOREG_RETURN_SUCCESS;
        do {
                ret = darwin_request_descriptor(device, 1 /* kUSBDeviceDesc */, 0, &dev->dev_descriptor,
                                                sizeof(dev->dev_descriptor));
                if (ret == IOREG_RETURN_OVERRUN && dev->dev_descriptor.bDescriptorType == 1)
                        ret = IOREG_RETURN_SUCCESS;
                if (ret == IOREG_RETURN_SUCCESS &&
                    (dev->dev_descriptor.bNumConfigurations == 0 || dev->dev_descriptor.bcdUSB == 0))
                        ret = IOREG_RETURN_PIPE_STALLED;
                if (ret != IOREG_RETURN_SUCCESS)
                        nanosleep(&(struct timespec) { .tv_nsec = 30000000 }, NULL);
        } while (ret != IOREG_RETURN_SUCCESS && retries--);
        if (is_open)
                (void) (*device)->USBDeviceClose(device);
        if (ret != IOREG_RETURN_SUCCESS) {
                /* darwin_usb.c warns and skips; so do we, on stderr. */
                fprintf(stderr, "could not retrieve device descriptor of 0x%llx: %s. skipping device\n",
                        (unsigned long long) dev->session, ioreg_return_string(ret));
                return ret;
        }
        if (dev->dev_descriptor.idProduct != idProduct) {
                fprintf(stderr, "idProduct from the registry (%04x) does not match the descriptor's (%04x)\n",
                        idProduct, dev->dev_descriptor.idProduct);
                return IOREG_RETURN_NO_DEVICE;
        }
        dev->can_enumerate = 1;
        return IOREG_RETURN_SUCCESS;
}

/* PortNum, else the parent's "port" data (Apple's older families). */
static bool get_device_port(ioreg_service_t service, uint8_t *port) {
        ioreg_registry_entry_t parent = NULL;
        bool ret = false;

        if (get_ioregistry_value_number(service, "PortNum", 8, port))
                return true;
        if (ioreg_registry_entry_get_parent_entry(service, kIOServicePlane, &parent) == IOREG_RETURN_SUCCESS) {
                ret = get_ioregistry_value_data(parent, "port", 1, port);
                ioreg_object_release(parent);
        }
        return ret;
}

/* Up the IOUSB plane to the first parent that has a sessionID. */
static bool get_device_parent_sessionID(ioreg_service_t service, uint64_t *parent_sessionID) {
        ioreg_registry_entry_t parent = service, next;
        bool owned = false, found = false;

        while (!found && ioreg_registry_entry_get_parent_entry(parent, kIOUSBPlane, &next) == IOREG_RETURN_SUCCESS &&
               next) {
                if (owned)
                        ioreg_object_release(parent);
                parent = next;
                owned = true;
                found = get_ioregistry_value_number(parent, "sessionID", 64, parent_sessionID);
        }
        if (owned)
                ioreg_object_release(parent);
        return found;
}

static ioreg_return_t darwin_check_configuration(struct darwin_cached_device *dev) {
        usb_device_t darwin_device = dev->device;
        IOUSBConfigurationDescriptor *configDesc = NULL;
        IOUSBFindInterfaceRequest request = { kIOUSBFindInterfaceDontCare, kIOUSBFindInterfaceDontCare,
                                              kIOUSBFindInterfaceDontCare, kIOUSBFindInterfaceDontCare };
        ioreg_iterator_t interface_iterator = NULL;
        ioreg_service_t firstInterface;
        ioreg_return_t kresult;

        if (dev->dev_descriptor.bNumConfigurations < 1)
                return IOREG_RETURN_ERROR;
        kresult = (*darwin_device)->GetConfigurationDescriptorPtr(darwin_device, 0, &configDesc);
        dev->first_config = kresult == IOREG_RETURN_SUCCESS ? configDesc->bConfigurationValue : 1;
        kresult = (*darwin_device)->CreateInterfaceIterator(darwin_device, &request, &interface_iterator);
        if (kresult != IOREG_RETURN_SUCCESS)
                return kresult;
        firstInterface = ioreg_iterator_next(interface_iterator);
        ioreg_object_release(interface_iterator);
        if (firstInterface) {
                ioreg_object_release(firstInterface);
                if (dev->dev_descriptor.bNumConfigurations == 1)
                        dev->active_config = dev->first_config;
                else {
                        uint8_t active_config;

                        if ((*darwin_device)->GetConfiguration(darwin_device, &active_config) == IOREG_RETURN_SUCCESS)
                                dev->active_config = active_config;
                }
        } else
                dev->active_config = 0;
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t darwin_get_cached_device(ioreg_service_t service, struct darwin_cached_device **cached_out,
                                               uint64_t *parent_session_out) {
        struct darwin_cached_device *new_device;
        uint64_t sessionID = 0, parent_sessionID = 0;
        uint32_t locationID = 0;
        ioreg_return_t ret = IOREG_RETURN_SUCCESS;
        usb_device_t device;
        uint8_t port = 0;

        *cached_out = NULL;
        (void) get_ioregistry_value_number(service, "sessionID", 64, &sessionID);
        (void) get_ioregistry_value_number(service, "locationID", 32, &locationID);
        (void) get_device_port(service, &port);
        (void) get_device_parent_sessionID(service, &parent_sessionID);

        pthread_mutex_lock(&darwin_cached_devices_mutex);
        do {
                for (new_device = darwin_cached_devices; new_device; new_device = new_device->next)
                        if (new_device->session == sessionID) {
                                *cached_out = new_device;
                                break;
                        }
                if (*cached_out)
                        break;
                ret = darwin_device_from_service(service, &device);
                if (ret != IOREG_RETURN_SUCCESS)
                        break;
                new_device = calloc(1, sizeof(*new_device));
                if (!new_device) {
                        (*device)->Release(device);
                        ret = IOREG_RETURN_NO_MEMORY;
                        break;
                }
                new_device->next = darwin_cached_devices;
                darwin_cached_devices = new_device;
                (*device)->GetDeviceAddress(device, &new_device->address);
                new_device->refcount = 1; /* the list's */
                (*device)->GetLocationID(device, &new_device->location);
                new_device->port = port;
                new_device->parent_session = parent_sessionID;
                *cached_out = new_device;
                new_device->session = sessionID;
                new_device->device = device;
                new_device->service = service;
                ioreg_object_retain(service);
                ret = darwin_cache_device_descriptor(new_device, device);
        } while (0);
        if (*cached_out)
                (*cached_out)->refcount++; /* the caller's */
        pthread_mutex_unlock(&darwin_cached_devices_mutex);
        *parent_session_out = parent_sessionID;
        return ret;
}

static ioreg_return_t process_new_device(struct darwin_cached_device *cached_device) {
        uint8_t devSpeed = 0;
        ioreg_return_t ret;

        ret = darwin_check_configuration(cached_device);
        if (ret != IOREG_RETURN_SUCCESS)
                return ret;
        (*cached_device->device)->GetDeviceSpeed(cached_device->device, &devSpeed);
        /* usbi_connect_device, once (the scan and the event thread may both find a device). */
        pthread_mutex_lock(&darwin_cached_devices_mutex);
        if (cached_device->announced) {
                pthread_mutex_unlock(&darwin_cached_devices_mutex);
                return IOREG_RETURN_SUCCESS;
        }
        cached_device->announced = true;
        /* The bus is the locationID's top byte, as darwin_usb.c takes it; "connected" from the event thread. */
        printf("%sBus %03u Device %03u: ID %04x:%04x port %u session %llx parent %llx speed %u config %u\n",
               pthread_equal(pthread_self(), event_thread) ? "connected " : "", cached_device->location >> 24, cached_device->address,
               cached_device->dev_descriptor.idVendor, cached_device->dev_descriptor.idProduct, cached_device->port,
               (unsigned long long) cached_device->session, (unsigned long long) cached_device->parent_session,
               devSpeed, cached_device->active_config);
        fflush(stdout);
        pthread_mutex_unlock(&darwin_cached_devices_mutex);
        return IOREG_RETURN_SUCCESS;
}

static void darwin_devices_attached(void *ptr, ioreg_iterator_t add_devices) {
        struct darwin_cached_device *cached_device;
        ioreg_service_t service;
        uint64_t parent;

        while ((service = ioreg_iterator_next(add_devices))) {
                ioreg_return_t ret = darwin_get_cached_device(service, &cached_device, &parent);

                if (ret == IOREG_RETURN_SUCCESS && cached_device->can_enumerate)
                        process_new_device(cached_device);
                if (cached_device)
                        darwin_unref_cached_device(cached_device);
                ioreg_object_release(service);
        }
}

static void darwin_devices_detached(void *ptr, ioreg_iterator_t rem_devices) {
        ioreg_service_t device;

        while ((device = ioreg_iterator_next(rem_devices))) {
                uint64_t session = 0;
                uint32_t locationID = 0;
                bool ret = get_ioregistry_value_number(device, "sessionID", 64, &session);

                (void) get_ioregistry_value_number(device, "locationID", 32, &locationID);
                ioreg_object_release(device);
                if (!ret)
                        continue;
                pthread_mutex_lock(&darwin_cached_devices_mutex);
                for (struct darwin_cached_device *old = darwin_cached_devices; old; old = old->next)
                        if (old->session == session) {
                                /* usbi_disconnect_device */
                                if (old->announced)
                                        printf("disconnected session %llx location %08x\n",
                                               (unsigned long long) session, locationID);
                                fflush(stdout);
                                darwin_unref_cached_device_locked(old);
                                break;
                        }
                pthread_mutex_unlock(&darwin_cached_devices_mutex);
        }
}

static void darwin_clear_iterator(ioreg_iterator_t iter) {
        ioreg_service_t device;

        while ((device = ioreg_iterator_next(iter)))
                ioreg_object_release(device);
}

static void darwin_fail_startup(void) {
        pthread_mutex_lock(&libusb_darwin_at_mutex);
        libusb_darwin_startup_failed = 1;
        pthread_cond_signal(&libusb_darwin_at_cond);
        pthread_mutex_unlock(&libusb_darwin_at_mutex);
        pthread_exit(NULL);
}

static void *darwin_event_thread_main(void *arg0) {
        ioreg_notification_port_t libusb_notification_port;
        ioreg_iterator_t libusb_rem_device_iterator = NULL, libusb_add_device_iterator = NULL;
        ioreg_return_t kresult;

        event_thread = pthread_self();
        /* The port is the run loop and its source together; ioreg_notification_port_stop() is CFRunLoopStop. */
        libusb_notification_port = ioreg_notification_port_create();
        if (!libusb_notification_port)
                darwin_fail_startup();
        kresult = ioreg_service_add_matching_notification(libusb_notification_port, kIOTerminatedNotification,
                                                          ioreg_service_matching(darwin_device_class),
                                                          darwin_devices_detached, NULL, &libusb_rem_device_iterator);
        if (kresult != IOREG_RETURN_SUCCESS) {
                fprintf(stderr, "could not add hotplug event source: %s\n", ioreg_return_string(kresult));
                darwin_fail_startup();
        }
        kresult = ioreg_service_add_matching_notification(libusb_notification_port, kIOFirstMatchNotification,
                                                          ioreg_service_matching(darwin_device_class),
                                                          darwin_devices_attached, NULL, &libusb_add_device_iterator);
        if (kresult != IOREG_RETURN_SUCCESS) {
                fprintf(stderr, "could not add hotplug event source: %s\n", ioreg_return_string(kresult));
                darwin_fail_startup();
        }
        /* arm notifiers */
        darwin_clear_iterator(libusb_rem_device_iterator);
        darwin_clear_iterator(libusb_add_device_iterator);

        pthread_mutex_lock(&libusb_darwin_at_mutex);
        libusb_darwin_acfl = libusb_notification_port;
        pthread_cond_signal(&libusb_darwin_at_cond);
        pthread_mutex_unlock(&libusb_darwin_at_mutex);

        /* CFRunLoopRun() */
        while (ioreg_notification_port_run(libusb_notification_port, UINT64_MAX) != IOREG_RETURN_ABORTED)
                ;

        pthread_mutex_lock(&libusb_darwin_at_mutex);
        libusb_darwin_acfl = NULL;
        pthread_cond_signal(&libusb_darwin_at_cond);
        pthread_mutex_unlock(&libusb_darwin_at_mutex);
        ioreg_object_release(libusb_rem_device_iterator);
        ioreg_object_release(libusb_add_device_iterator);
        ioreg_notification_port_destroy(libusb_notification_port);
        return NULL;
}

static int darwin_first_time_init(void) {
        int rc = pthread_create(&libusb_darwin_at, NULL, darwin_event_thread_main, NULL);

        if (rc != 0)
                return -rc;
        pthread_mutex_lock(&libusb_darwin_at_mutex);
        while (!libusb_darwin_acfl && !libusb_darwin_startup_failed)
                pthread_cond_wait(&libusb_darwin_at_cond, &libusb_darwin_at_mutex);
        rc = libusb_darwin_startup_failed ? -EIO : 0;
        pthread_mutex_unlock(&libusb_darwin_at_mutex);
        return rc;
}

static ioreg_return_t darwin_scan_devices(void) {
        struct darwin_cached_device *cached_device;
        ioreg_iterator_t deviceIterator = NULL;
        ioreg_service_t service;
        ioreg_return_t kresult;
        uint64_t parent;

        kresult = usb_setup_device_iterator(&deviceIterator, 0);
        if (kresult != IOREG_RETURN_SUCCESS)
                return kresult;
        while ((service = ioreg_iterator_next(deviceIterator))) {
                ioreg_return_t ret = darwin_get_cached_device(service, &cached_device, &parent);

                if (ret == IOREG_RETURN_SUCCESS && cached_device->can_enumerate)
                        (void) process_new_device(cached_device);
                if (cached_device)
                        darwin_unref_cached_device(cached_device);
                ioreg_object_release(service);
        }
        ioreg_object_release(deviceIterator);
        return IOREG_RETURN_SUCCESS;
}

static void darwin_exit(void) {
        ioreg_notification_port_t port;

        pthread_mutex_lock(&libusb_darwin_at_mutex);
        port = libusb_darwin_acfl;
        pthread_mutex_unlock(&libusb_darwin_at_mutex);
        if (port) {
                ioreg_notification_port_stop(port); /* CFRunLoopSourceSignal + CFRunLoopWakeUp */
                pthread_join(libusb_darwin_at, NULL);
        }
        pthread_mutex_lock(&darwin_cached_devices_mutex);
        while (darwin_cached_devices)
                darwin_unref_cached_device_locked(darwin_cached_devices);
        pthread_mutex_unlock(&darwin_cached_devices_mutex);
}

int main(int argc, char **argv) {
        bool watch = argc > 1 && strcmp(argv[1], "--watch") == 0;
        char line[64];
        int rc;

        setvbuf(stdout, NULL, _IOLBF, 0);
        /* darwin_init: the event thread first, then the scan (a device arriving between is seen twice: cached). */
        rc = darwin_first_time_init();
        if (rc < 0) {
                fprintf(stderr, "could not start the hotplug thread\n");
                return 1;
        }
        if (darwin_scan_devices() != IOREG_RETURN_SUCCESS) {
                darwin_exit();
                return 1;
        }
        if (watch) {
                printf("ready\n");
                while (fgets(line, sizeof(line), stdin))
                        ;
        }
        darwin_exit();
        return 0;
}
