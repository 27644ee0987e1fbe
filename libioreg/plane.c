/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * plane.c: a whole plane (Registry1.GetPlanePage, page after page), for
 * tools that show the registry: `ioreg -l` reads every entry with its
 * properties in a few round trips instead of one per entry, and a registry
 * of any size in answers that each fit a D-Bus message.
 */

#include "lib-internal.h"
#include "protocol.h"
#include "wire-blob.h"
#include "wire-json.h"

/* A walk that the registry's changes keep restarting gives up after this many restarts. */
#define PAGE_RESTARTS 16

/* One GetPlane record, (tussasuutua{sv}) entered, as an object. */
static int read_entry(sd_bus_message *reply, json_t **ret) {
        json_auto_t *classes = NULL, *props = NULL;
        const char *name, *location, *klass;
        uint32_t depth, state, busy, retain;
        uint64_t id, busy_time;
        int r;

        r = sd_bus_message_read(reply, "tuss", &id, &depth, &name, &location);
        if (r < 0)
                return r;
        classes = json_array();
        if (!classes)
                return -ENOMEM;
        r = sd_bus_message_enter_container(reply, 'a', "s");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read_basic(reply, 's', &klass)) > 0)
                if (json_array_append_new(classes, json_string_nocheck(klass)) < 0)
                        return -ENOMEM;
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(reply);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "uutu", &state, &busy, &busy_time, &retain);
        if (r < 0)
                return r;
        r = wire_json_read_dict(reply, &props);
        if (r < 0)
                return r;
        /* Built by hand, not json_pack(): parsing a format per entry costs ioreg -l a tenth of its fetch. */
        return json_form_record(&(JsonFormRecord) { .id = id, .depth = depth,
                                                     .name = json_string_nocheck(name), /* sd-bus checked UTF-8 */
                                                     .location = json_string_nocheck(location),
                                                     .classes = TAKE_PTR(classes), .state = state, .busy = busy,
                                                     .busy_time = busy_time, .retain = retain,
                                                     .properties = TAKE_PTR(props) },
                                ret);
}

/* Appends the records of the array the reply is at to a. */
static int read_records(sd_bus_message *reply, json_t *a) {
        int r;

        r = sd_bus_message_enter_container(reply, 'a', "(tussasuutua{sv})");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'r', "tussasuutua{sv}")) > 0) {
                json_t *e = NULL;

                r = read_entry(reply, &e);
                if (r >= 0 && json_array_append_new(a, e) < 0)
                        r = -ENOMEM;
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        return r;
}

/* GetPlaneBlob's records (wire-blob.h): one byte array, read without sd-bus's per-value reader. */
static int read_blob(sd_bus_message *reply, json_t *a) {
        const void *p;
        size_t n;
        int r;

        r = sd_bus_message_read_array(reply, 'y', &p, &n);
        if (r < 0)
                return r;
        return wire_blob_read_records(p, n, a);
}

/*
 * The plane page by page (GetPlaneBlob, else GetPlanePage: systemd/org.ioreg.Registry1.xml):
 * no answer is larger than the daemon's page, whatever the registry's size. *ret_unknown
 * when the daemon has no such method (an older one).
 */
static ioreg_return_t read_pages(sd_bus *bus, const char *plane, bool blob, json_t *a, bool *ret_unknown) {
        unsigned restarts = 0;
        uint64_t cursor = 0;

        *ret_unknown = false;
        do {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                uint64_t generation;
                int r;

                r = sd_bus_message_new_method_call(bus, &m, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE,
                                                   blob ? "GetPlaneBlob" : "GetPlanePage");
                if (r >= 0)
                        r = sd_bus_message_append(m, "stu", plane, cursor, (uint32_t) 0);
                if (r < 0)
                        return lib_return_from_errno(r);
                r = sd_bus_call(bus, m, 0, &error, &reply);
                if (r < 0 && sd_bus_error_has_name(&error, IOREG_ERROR_CHANGED) && restarts++ < PAGE_RESTARTS) {
                        /* The registry changed under the walk: from the start, with nothing kept. */
                        json_array_clear(a);
                        cursor = 0;
                        continue;
                }
                if (r < 0 && sd_bus_error_has_name(&error, SD_BUS_ERROR_UNKNOWN_METHOD)) {
                        *ret_unknown = true;
                        return IOREG_RETURN_UNSUPPORTED;
                }
                if (r < 0)
                        return lib_return_from_bus_error(&error, r);
                r = sd_bus_message_read(reply, "t", &generation);
                if (r >= 0)
                        r = blob ? read_blob(reply, a) : read_records(reply, a);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "t", &cursor);
                if (r < 0)
                        return lib_return_from_errno(r);
        } while (cursor != 0);
        return IOREG_RETURN_SUCCESS;
}

ioreg_return_t ioreg_registry_create_plane(const char *plane, json_t **entries) {
        _cleanup_bus_unlock_ sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        json_auto_t *a = NULL;
        ioreg_return_t rr;
        bool unknown;
        int r;

        if (!plane || !entries)
                return IOREG_RETURN_BAD_ARGUMENT;
        a = json_array();
        if (!a)
                return IOREG_RETURN_NO_MEMORY;
        rr = lib_bus_lock(&bus);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        /* The byte form first; a daemon from before it, then one from before pages, are still read. */
        rr = read_pages(bus, plane, true, a, &unknown);
        if (rr != IOREG_RETURN_SUCCESS && unknown)
                rr = read_pages(bus, plane, false, a, &unknown);
        if (rr == IOREG_RETURN_SUCCESS || !unknown) {
                if (rr == IOREG_RETURN_SUCCESS)
                        *entries = TAKE_PTR(a);
                return rr;
        }
        /* A daemon from before pages: the whole plane in one answer. */
        rr = lib_call(bus, &reply, NULL, IOREG_OBJECT_PATH, IOREG_INTERFACE, "GetPlane", "s", plane);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        r = read_records(reply, a);
        if (r < 0)
                return lib_return_from_errno(r);
        *entries = TAKE_PTR(a);
        return IOREG_RETURN_SUCCESS;
}
