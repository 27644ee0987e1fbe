/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg-format.c: `ioreg -f`, IOKitTools' printProp(): device-tree data
 * decoded (IEEE 1275 physical addresses in reg and assigned-addresses,
 * slot-names, ranges, interrupts) and other data longer than 8 bytes as a
 * hex dump sized to the width. Cells are 32-bit words in the Mac's
 * little-endian order. interrupt-map and interrupt-parent, which need a
 * phandle search over the whole registry, print as plain data.
 */

#include <stdlib.h>
#include <string.h>

#include "ioreg-output.h"
#include "json-form.h"

static uint32_t cell_at(const uint8_t *b) {
        return (uint32_t) b[0] | (uint32_t) b[1] << 8 | (uint32_t) b[2] << 16 | (uint32_t) b[3] << 24;
}

/* The first cell of data property key of props into *ret; false when it has none. */
static bool data_cell(json_t *props, const char *key, uint32_t *ret) {
        _cleanup_free_ uint8_t *b = NULL;
        size_t len;

        if (json_form_type(json_object_get(props, key)) != JSON_FORM_DATA ||
            json_form_get_data(json_object_get(props, key), &b, &len) < 0 || len < 4)
                return false;
        *ret = cell_at(b);
        return true;
}

/* The same entry in the IODeviceTree plane, or SIZE_MAX. */
static size_t dt_index(const Printer *p, size_t node) {
        const IoregTree *dt = p->o->device_tree;

        if (!dt)
                return SIZE_MAX;
        for (size_t i = 0; i < dt->n_nodes; i++)
                if (dt->nodes[i].id == p->t->nodes[node].id)
                        return i;
        return SIZE_MAX;
}

/* IORegistryEntrySearchCFProperty(parents, recursively) for a cell, from dt node i up; 0 if absent. */
static uint32_t dt_search_cell(const IoregTree *dt, size_t i, const char *key) {
        uint32_t cell;

        for (; i != SIZE_MAX; i = ioreg_tree_parent(dt, i))
                if (data_cell(dt->nodes[i].properties, key, &cell))
                        return cell;
        return 0;
}

static void phys_addr(Printer *p, unsigned depth, uint64_t bits, const uint8_t *b, size_t len) {
        static const char *const space[] = { "Config", "I/O", "Mem", "64-bit" };

        if (len == 0) {
                out_puts(p, "<>");
                out_endl(p);
                return;
        }
        out_endl(p);
        for (size_t k = 0; k < len / 20; k++) {
                const uint8_t *c = b + 20 * k;
                uint32_t hi = cell_at(c);

                out_indent(p, false, depth, bits);
                out_printf(p, "    %02zu: phys.hi: %08x phys.mid: %08x phys.lo: %08x", k, hi, cell_at(c + 4),
                           cell_at(c + 8));
                out_endl(p);
                out_indent(p, false, depth, bits);
                out_printf(p, "        size.hi: %08x size.lo: %08x", cell_at(c + 12), cell_at(c + 16));
                out_endl(p);
                out_indent(p, false, depth, bits);
                out_printf(p, "        bus: %u dev: %u func: %u reg: %u", (hi >> 16) & 0xff, (hi >> 11) & 0x1f,
                           (hi >> 8) & 0x7, hi & 0xff);
                out_endl(p);
                out_indent(p, false, depth, bits);
                out_printf(p, "        type: %s flags: %s%s%s", space[(hi >> 24) & 3], hi & 0x80000000 ? "abs" : "rel",
                           hi & 0x40000000 ? ", prefetch" : "", hi & 0x20000000 ? ", alias" : "");
                out_endl(p);
        }
}

static void slot_names(Printer *p, unsigned depth, uint64_t bits, const uint8_t *b, size_t len) {
        uint32_t avail = len >= 4 ? cell_at(b) : 0;
        size_t off = 4;

        if (avail == 0) {
                out_puts(p, "<>");
                out_endl(p);
                return;
        }
        out_endl(p);
        for (unsigned k = 0; k < 32; k++) {
                size_t n;

                if (!(avail & (UINT32_C(1) << k)))
                        continue;
                n = off < len ? strnlen((const char *) b + off, len - off) : 0;
                out_indent(p, false, depth, bits);
                out_printf(p, "    %02u: %.*s", k, (int) n, off < len ? (const char *) b + off : "");
                out_endl(p);
                off += n + 1;
        }
}

static void ranges(Printer *p, size_t node, unsigned depth, uint64_t bits, const uint8_t *b, size_t len) {
        static const char *const titles[] = { "-child--", "-parent-", "-size---" };
        const IoregTree *dt = p->o->device_tree;
        size_t self = dt_index(p, node);
        uint32_t counts[3] = {};

        if (len == 0) {
                out_puts(p, "<>");
                out_endl(p);
                return;
        }
        if (self != SIZE_MAX) {
                counts[0] = dt_search_cell(dt, self, "#address-cells");
                counts[1] = dt_search_cell(dt, ioreg_tree_parent(dt, self), "#address-cells");
                counts[2] = dt_search_cell(dt, self, "#size-cells");
        } else {
                /*
                 * Not in the device tree (a saved one-plane dump): the plane printed stands in for it,
                 * the parent's cells from the nearest ancestor that has them, as the Mac found them.
                 */
                counts[0] = dt_search_cell(p->t, node, "#address-cells");
                counts[1] = dt_search_cell(p->t, ioreg_tree_parent(p->t, node), "#address-cells");
                counts[2] = dt_search_cell(p->t, node, "#size-cells");
        }
        out_endl(p);
        out_indent(p, false, depth, bits);
        out_puts(p, "    ");
        for (unsigned j = 0; j < 3; j++) {
                out_puts(p, titles[j]);
                if (counts[j] > 1) {
                        out_puts(p, "-");
                        for (uint32_t i = 2; i <= counts[j]; i++)
                                out_puts(p, i == counts[j] ? "-------- " : "---------");
                } else
                        out_puts(p, " ");
        }
        out_endl(p);
        uint64_t elem = (uint64_t) counts[0] + counts[1] + counts[2];
        size_t n_ranges = elem ? len / (elem * 4) : 0;
        for (size_t j = 0; j < n_ranges; j++) {
                out_indent(p, false, depth, bits);
                out_puts(p, "    ");
                for (uint64_t i = 0; i < elem; i++)
                        out_printf(p, "%08x ", cell_at(b + 4 * (j * elem + i)));
                out_endl(p);
        }
}

static void interrupts(Printer *p, unsigned depth, uint64_t bits, const uint8_t *b, size_t len) {
        size_t n = len / 4;

        out_endl(p);
        for (size_t k = 0, index = 0; k < n; k++, index++) {
                uint32_t spec = cell_at(b + 4 * k);

                out_indent(p, false, depth, bits);
                out_printf(p, "    %02zu: ", index);
                if (k < n - 1) {
                        uint32_t sense = cell_at(b + 4 * (k + 1));

                        out_printf(p, "specifier: %08x (vector: %02x) sense: %08x (", spec, spec & 0xff, sense);
                        k++;
                        if (sense & 2)
                                out_printf(p, "HyperTransport vector: %04x, ", (sense >> 16) & 0xffff);
                        out_printf(p, "%s)", sense & 1 ? "level" : "edge");
                } else
                        out_printf(p, "parent interrupt-map entry: %08x", spec);
                out_endl(p);
        }
}

static char to_hex(unsigned nibble) {
        return "0123456789ABCDEF"[nibble & 0xf];
}

/* printData(): strings and short data as usual; longer data as "offset: bytes ascii" lines. */
static void data_dump(Printer *p, unsigned depth, uint64_t bits, const uint8_t *b, size_t len) {
        /* As ioreg's unsigned arithmetic: no width (or too little) gives the 32-byte maximum. */
        uint32_t per_line = (uint32_t) (p->o->width - 20 - 2 * depth) / 4;

        if (len <= 8 || data_is_text(b, len, p->o->hex, true)) {
                out_data(p, b, len, true);
                out_endl(p);
                return;
        }
        if (per_line > 32)
                per_line = 32;
        if (per_line == 0)
                per_line = 1;
        for (size_t off = 0; off < len; off += per_line) {
                char work[9 + 3 * 32 + 1 + 32 + 1], *w = work;
                size_t n = len - off < per_line ? len - off : per_line;

                out_endl(p);
                w += sprintf(w, "%08zX:", off);
                for (size_t i = 0; i < n; i++) {
                        *w++ = ' ';
                        *w++ = to_hex(b[off + i] >> 4);
                        *w++ = to_hex(b[off + i]);
                }
                for (size_t i = n; i < per_line; i++, w += 3)
                        memcpy(w, "   ", 3);
                *w++ = ' ';
                for (size_t i = 0; i < n; i++) {
                        uint8_t c = b[off + i];

                        *w++ = (c < ' ' || c > '~') ? '.' : (char) c;
                }
                *w = 0;
                out_indent(p, false, depth, bits);
                out_printf(p, "    %s", work);
        }
        out_endl(p);
}

bool ioreg_format_property(Printer *p, size_t node, unsigned depth, uint64_t bits, const char *key,
                           json_t *v) {
        _cleanup_free_ uint8_t *b = NULL;
        size_t len;

        if (json_form_type(v) != JSON_FORM_DATA || json_form_get_data(v, &b, &len) < 0)
                return false;
        if (streq(key, "reg")) {
                size_t self = dt_index(p, node), parent;

                /* Decoded only below a PCI bus in the device tree. */
                if (self != SIZE_MAX && (parent = ioreg_tree_parent(p->o->device_tree, self)) != SIZE_MAX &&
                    strncmp(p->o->device_tree->nodes[parent].name, "pci", 3) == 0) {
                        phys_addr(p, depth, bits, b, len);
                        return true;
                }
        } else if (streq(key, "assigned-addresses")) {
                phys_addr(p, depth, bits, b, len);
                return true;
        } else if (streq(key, "slot-names")) {
                slot_names(p, depth, bits, b, len);
                return true;
        } else if (streq(key, "ranges")) {
                ranges(p, node, depth, bits, b, len);
                return true;
        } else if (streq(key, "interrupts")) {
                interrupts(p, depth, bits, b, len);
                return true;
        }
        data_dump(p, depth, bits, b, len);
        return true;
}
