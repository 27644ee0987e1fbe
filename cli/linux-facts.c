/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux-facts.c: see linux-facts.h. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-hwdb.h>

#include "json-form.h"
#include "linux-facts.h"
#include "macro.h"

/* A u16 number property (USB's idVendor), or -1. */
static int u16_property(json_t *props, const char *key) {
        json_t *v = json_object_get(props, key); /* borrowed */
        uint64_t n;

        if (json_form_type(v) != JSON_FORM_NUMBER)
                return -1;
        n = json_form_number(v);
        return n <= 0xffff ? (int) n : -1;
}

/* PCI's vendor-id/device-id: 4 bytes little-endian data, of which the low 16 bits count; or -1. */
static int pci_id_property(json_t *props, const char *key) {
        _cleanup_free_ uint8_t *b = NULL;
        size_t len = 0;

        if (json_form_get_data(json_object_get(props, key), &b, &len) < 0 || len < 2)
                return -1;
        return b[0] | (b[1] << 8);
}

static const char *linux_string(json_t *props, const char *key) {
        return json_string_value(json_object_get(json_object_get(props, "Linux"), key));
}

/* The hwdb, opened on first use for the process (ioreg looks up every node of a tree). */
static sd_hwdb *shared_hwdb; /* owned */
static bool hwdb_tried;

static void __attribute__((destructor)) hwdb_fini(void) {
        shared_hwdb = sd_hwdb_unref(shared_hwdb);
}

static char *hwdb_get(const char *modalias, const char *key) {
        const char *v = NULL;

        if (!hwdb_tried) {
                hwdb_tried = true;
                if (sd_hwdb_new(&shared_hwdb) < 0)
                        shared_hwdb = NULL; /* no hwdb.bin (a container): IDs without names */
        }
        if (!shared_hwdb || sd_hwdb_get(shared_hwdb, modalias, key, &v) < 0 || !v)
                return NULL;
        return strdup(v);
}

/* "/dev/NAME" (a new string), NULL when out of memory. */
static char *dev_path(const char *name) {
        char *p;

        return asprintf(&p, "/dev/%s", name) < 0 ? NULL : p;
}

void linux_facts_read(json_t *props, bool names, LinuxFacts *ret) {
        LinuxFacts f = {};
        const char *devname, *syspath, *callout, *bsd;
        char modalias[64] = "";
        int vendor, product;

        f.subsystem = linux_string(props, "SUBSYSTEM");
        f.driver = linux_string(props, "DRIVER");
        vendor = u16_property(props, "idVendor");
        product = u16_property(props, "idProduct");
        if (vendor >= 0 && product >= 0)
                snprintf(modalias, sizeof(modalias), "usb:v%04Xp%04X*", (unsigned) vendor, (unsigned) product);
        else {
                vendor = pci_id_property(props, "vendor-id");
                product = pci_id_property(props, "device-id");
                if (vendor >= 0 && product >= 0)
                        snprintf(modalias, sizeof(modalias), "pci:v%08Xd%08X*", (unsigned) vendor,
                                 (unsigned) product);
        }
        if (modalias[0])
                snprintf(f.ids, sizeof(f.ids), "%04x:%04x", (unsigned) vendor, (unsigned) product);
        if (names && modalias[0]) {
                f.vendor = hwdb_get(modalias, "ID_VENDOR_FROM_DATABASE");
                f.product = hwdb_get(modalias, "ID_MODEL_FROM_DATABASE");
        }
        /* The node: udev's DEVNAME, else what a family names (a tty's callout device, a disk's BSD name). */
        devname = linux_string(props, "DEVNAME");
        callout = json_string_value(json_object_get(props, "IOCalloutDevice"));
        bsd = json_string_value(json_object_get(props, "BSD Name"));
        if (devname && devname[0] == '/')
                f.devnode = strdup(devname);
        else if (devname)
                f.devnode = dev_path(devname);
        else if (callout)
                f.devnode = strdup(callout);
        else if (bsd && f.subsystem && streq(f.subsystem, "block"))
                f.devnode = dev_path(bsd);
        syspath = linux_string(props, "SYSPATH");
        if (f.subsystem && streq(f.subsystem, "pci") && syspath && strrchr(syspath, '/'))
                f.pci_address = strrchr(syspath, '/') + 1;
        *ret = f;
}

void linux_facts_done(LinuxFacts *f) {
        free(f->vendor);
        free(f->product);
        free(f->devnode);
        *f = (LinuxFacts) {};
}

bool linux_facts_empty(const LinuxFacts *f) {
        return !f->ids[0] && !f->devnode && !f->driver && !f->pci_address;
}

json_t *linux_facts_to_json(const LinuxFacts *f) {
        json_t *j = json_object();

        if (!j)
                return NULL;
        if (f->ids[0])
                json_object_set_new(j, "ids", json_string(f->ids));
        if (f->vendor)
                json_object_set_new(j, "vendor", json_string(f->vendor));
        if (f->product)
                json_object_set_new(j, "product", json_string(f->product));
        if (f->devnode)
                json_object_set_new(j, "devnode", json_string(f->devnode));
        if (f->driver)
                json_object_set_new(j, "driver", json_string(f->driver));
        if (f->pci_address)
                json_object_set_new(j, "pci_address", json_string(f->pci_address));
        if (f->subsystem)
                json_object_set_new(j, "subsystem", json_string(f->subsystem));
        return j;
}
