/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-notify-wire.c: see bus-notify-wire.h. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus-notify-wire.h"
#include "protocol.h"

/* D-Bus's header: byte order, type, flags, version, body length, serial, then a(yv) of fields. */
enum {
        WIRE_LITTLE_ENDIAN = 'l',
        WIRE_TYPE_SIGNAL = 4,
        WIRE_FLAG_NO_REPLY_EXPECTED = 1,
        WIRE_VERSION = 1,
        WIRE_BODY_LENGTH_AT = 4,
        WIRE_SERIAL_AT = 8,
        WIRE_FIELD_PATH = 1,
        WIRE_FIELD_INTERFACE = 2,
        WIRE_FIELD_MEMBER = 3,
        WIRE_FIELD_DESTINATION = 6,
        WIRE_FIELD_SIGNATURE = 8,
};

/* One header field: a struct (code, variant), each on 8 bytes. */
_hot_ static void field(BusWire *w, uint8_t code, const char *type, const char *value) {
        bus_wire_align(w, 8);
        bus_wire_u8(w, code);
        bus_wire_signature(w, type);
        if (type[0] == 'g')
                bus_wire_signature(w, value);
        else
                bus_wire_string(w, value);
}

_hot_ size_t bus_notify_wire_begin(BusWire *w, uint32_t serial, const char *destination, const char *member,
                                   const char *signature) {
        BusWireArray fields;

        bus_wire_reset(w);
        bus_wire_u8(w, WIRE_LITTLE_ENDIAN);
        bus_wire_u8(w, WIRE_TYPE_SIGNAL);
        bus_wire_u8(w, WIRE_FLAG_NO_REPLY_EXPECTED);
        bus_wire_u8(w, WIRE_VERSION);
        bus_wire_u32(w, 0); /* the body's length, once it is written */
        bus_wire_u32(w, serial);
        fields = bus_wire_array_begin(w, 8);
        field(w, WIRE_FIELD_PATH, "o", IOREG_OBJECT_PATH);
        field(w, WIRE_FIELD_INTERFACE, "s", IOREG_NOTIFY_INTERFACE);
        field(w, WIRE_FIELD_MEMBER, "s", member);
        field(w, WIRE_FIELD_DESTINATION, "s", destination);
        field(w, WIRE_FIELD_SIGNATURE, "g", signature);
        bus_wire_array_end(w, fields);
        bus_wire_align(w, 8); /* the body starts on 8 bytes */
        return w->len;
}

_hot_ int bus_notify_wire_end(BusWire *w, size_t body_at) {
        if (w->error == 0 && w->len - body_at > UINT32_MAX)
                w->error = -E2BIG;
        bus_wire_patch_u32(w, WIRE_BODY_LENGTH_AT, (uint32_t) (w->len - body_at));
        return w->error;
}

_hot_ static bool header_kept(const BusNotifyWireHeader *h, const char *destination, const char *member,
                              const char *signature) {
        return h->len > 0 && strcmp(h->member, member) == 0 && strcmp(h->signature, signature) == 0 &&
               strcmp(h->destination, destination) == 0;
}

/* Keeps the header just written in w (body_at bytes); without memory, nothing is kept. */
static void header_keep(BusNotifyWireHeader *h, const BusWire *w, size_t body_at, const char *destination,
                        const char *member, const char *signature) {
        uint8_t *bytes = realloc(h->bytes, body_at);
        char *d;

        if (!bytes)
                return;
        h->bytes = bytes;
        d = strdup(destination);
        if (!d) {
                h->len = 0;
                return;
        }
        free(h->destination);
        h->destination = d;
        memcpy(h->bytes, w->data, body_at);
        h->len = body_at;
        h->member = member;
        h->signature = signature;
}

_hot_ size_t bus_notify_wire_begin_kept(BusWire *w, BusNotifyWireHeader *h, uint32_t serial,
                                        const char *destination, const char *member, const char *signature) {
        size_t body;

        if (!header_kept(h, destination, member, signature)) {
                body = bus_notify_wire_begin(w, serial, destination, member, signature);
                if (w->error == 0)
                        header_keep(h, w, body, destination, member, signature);
                else
                        h->len = 0;
                return body;
        }
        bus_wire_reset(w);
        bus_wire_bytes(w, h->bytes, h->len);
        bus_wire_patch_u32(w, WIRE_SERIAL_AT, serial);
        return w->len;
}

void bus_notify_wire_header_done(BusNotifyWireHeader *h) {
        free(h->bytes);
        free(h->destination);
        *h = (BusNotifyWireHeader) {};
}
