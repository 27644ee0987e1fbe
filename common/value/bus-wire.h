/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-wire.h: D-Bus's wire format written by hand, little-endian, into a
 * buffer that is kept from one message to the next. sd-bus builds a message
 * through a call per item, each checking the signature it grows; a
 * notification of ten properties cost 23 µs to build that way, more than the
 * rest of an add (issue 21). What is written here is what sd-bus writes for
 * the same values (bus-value.h's signatures, invalid UTF-8 repaired the same
 * way), byte for byte: tests/unit/test-bus-wire.c compares the two.
 *
 * Errors stick: the first failure (-ENOMEM, -ELOOP past BUS_VALUE_MAX_DEPTH,
 * -EINVAL a value D-Bus cannot carry) is kept in error and later writes do
 * nothing, so that a message is written without a check per item.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "value.h"

typedef struct BusWire {
        uint8_t *data; /* owned */
        size_t len, cap;
        int error;     /* the first failure, 0 while none */
} BusWire;

/* Empties w for the next message; its memory stays. */
void bus_wire_reset(BusWire *w);
void bus_wire_done(BusWire *w);

/* Zero bytes up to a multiple of align (1, 2, 4 or 8) from the start of the buffer. */
void bus_wire_align(BusWire *w, size_t align);
void bus_wire_u8(BusWire *w, uint8_t x);
void bus_wire_u32(BusWire *w, uint32_t x);
void bus_wire_u64(BusWire *w, uint64_t x);
/* `s` or `o`: a NUL-terminated string; invalid UTF-8 is repaired (utf8.h) as bus-value.c does it. */
void bus_wire_string(BusWire *w, const char *s);
/* `g`: a signature (up to 255 bytes). */
void bus_wire_signature(BusWire *w, const char *sig);

/* An array: begin returns where its length goes; end writes it. Elements aligned to element_align. */
typedef struct BusWireArray {
        size_t length_at, start;
} BusWireArray;
BusWireArray bus_wire_array_begin(BusWire *w, size_t element_align);
void bus_wire_array_end(BusWire *w, BusWireArray a);

/* v as a variant (`v`), and dictionary d as `a{sv}`, in bus-value.h's signatures. */
void bus_wire_variant(BusWire *w, const Value *v);
/* skip (NULL: none) leaves out the keys it is true for. */
void bus_wire_dict(BusWire *w, const Value *d, bool (*skip)(const char *key));

/* n bytes as they are: a part of a message written earlier (a kept header, bus-notify-wire.h). */
void bus_wire_bytes(BusWire *w, const void *data, size_t n);

/* Patches a u32 written earlier at offset at (a message's body length). */
void bus_wire_patch_u32(BusWire *w, size_t at, uint32_t x);
