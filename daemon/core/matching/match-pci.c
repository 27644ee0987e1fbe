/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * match-pci.c: the PCI family's keys (IOPCIDevice::matchPropertyTable;
 * reference book §2.5). Values are strings of space-separated hex numbers
 * 0xDDDDVVVV, each with an optional &mask: IOPCIMatch tries the
 * device/vendor pair, then the subsystem pair; IOPCIPrimaryMatch and
 * IOPCISecondaryMatch only one of them; IOPCIClassMatch compares the
 * class-code register as config space holds it (class << 8, the revision
 * byte ignored). Every key present must match. Scores are not changed.
 *
 * On a tunnelled device (the nub has IOPCITunnelled: behind Thunderbolt),
 * IOPCIBridge::matchNubWithPropertyTable takes only drivers whose
 * personality says IOPCITunnelCompatible = true (with the configurator's
 * default, kIOPCIConfiguratorCheckTunnel); PCI-PCI bridges
 * (IOPCI2PCIBridge) and tables without IOClass (a client's query) pass.
 */

#include <errno.h>
#include <stdlib.h>

#include "match-family.h"

/* A nub register: 4-byte little-endian data as the family stores it, or a number. */
_hot_ static bool nub_u32(const Entry *e, const char *key, uint32_t *ret) {
        Value *v = entry_get_property(e, key);
        const uint8_t *p;
        size_t len;

        if (!v)
                return false;
        if (value_type(v) == VALUE_NUMBER) {
                *ret = (uint32_t) value_unsigned(v);
                return true;
        }
        if (value_type(v) != VALUE_DATA)
                return false;
        p = value_data(v, &len);
        if (len < 2)
                return false;
        *ret = p[0] | (uint32_t) p[1] << 8 | (len >= 4 ? (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24 : 0);
        return true;
}

_hot_ static bool parse_hex32(const char *s, char **end, uint32_t *ret) {
        unsigned long long v;

        errno = 0;
        v = strtoull(s, end, 16);
        if (errno != 0 || *end == s || v > UINT32_MAX)
                return false;
        *ret = (uint32_t) v;
        return true;
}

_hot_ bool match_pci_list_next(const char **cursor, uint32_t *want, uint32_t *mask) {
        const char *p = *cursor;
        char *end;

        while (*p == ' ' || *p == '\t' || *p == '\n')
                p++;
        if (!*p || !parse_hex32(p, &end, want))
                return false;
        p = end;
        *mask = UINT32_MAX;
        if (*p == '&') {
                if (!parse_hex32(p + 1, &end, mask))
                        return false;
                p = end;
        }
        *cursor = p;
        return true;
}

/* True when any "value[&mask]" in the list matches reg; a malformed entry ends the list. */
_hot_ static bool list_matches(const Value *list, uint32_t reg, uint32_t implicit_mask) {
        uint32_t want, mask;
        const char *p;

        if (value_type(list) != VALUE_STRING)
                return false;
        p = value_string(list, NULL);
        while (match_pci_list_next(&p, &want, &mask)) {
                mask &= implicit_mask;
                if ((want & mask) == (reg & mask))
                        return true;
        }
        return false;
}

_hot_ static bool pair(const Entry *e, const char *vendor_key, const char *device_key, uint32_t *ret) {
        uint32_t vendor, device;

        if (!nub_u32(e, vendor_key, &vendor) || !nub_u32(e, device_key, &device))
                return false;
        *ret = (device & 0xffff) << 16 | (vendor & 0xffff);
        return true;
}

_hot_ void match_pci_registers(const Entry *e, uint32_t regs[_PCI_REG_MAX], bool has[_PCI_REG_MAX]) {
        uint32_t class_code = 0;

        has[PCI_REG_PRIMARY] = pair(e, "vendor-id", "device-id", &regs[PCI_REG_PRIMARY]);
        has[PCI_REG_SECONDARY] = pair(e, "subsystem-vendor-id", "subsystem-id", &regs[PCI_REG_SECONDARY]);
        has[PCI_REG_CLASS] = nub_u32(e, "class-code", &class_code);
        /* The class-code register as config space holds it: class << 8, the revision byte ignored. */
        regs[PCI_REG_CLASS] = (class_code & 0xffffff) << 8;
}

_hot_ static bool tunnel_allows(const Entry *e, const Value *table) {
        Value *cls = value_dict_get(table, "IOClass"), *ok;

        if (!entry_get_property(e, "IOPCITunnelled") || !cls || value_type(cls) != VALUE_STRING ||
            streq(value_string(cls, NULL), "IOPCI2PCIBridge"))
                return true;
        ok = value_dict_get(table, "IOPCITunnelCompatible");
        return ok && value_type(ok) == VALUE_BOOLEAN && value_boolean(ok);
}

_hot_ bool match_pci(Registry *reg _unused_, Entry *e, const Value *table, int32_t *score _unused_,
                     const char **failed_key) {
        uint32_t regs[_PCI_REG_MAX] = {};
        bool has[_PCI_REG_MAX];
        Value *v;

        match_pci_registers(e, regs, has);

        if ((v = value_dict_get(table, "IOPCIMatch")) &&
            !((has[PCI_REG_PRIMARY] && list_matches(v, regs[PCI_REG_PRIMARY], UINT32_MAX)) ||
              (has[PCI_REG_SECONDARY] && list_matches(v, regs[PCI_REG_SECONDARY], UINT32_MAX)))) {
                *failed_key = "IOPCIMatch";
                return false;
        }
        if ((v = value_dict_get(table, "IOPCIPrimaryMatch")) && !(has[PCI_REG_PRIMARY] && list_matches(v, regs[PCI_REG_PRIMARY], UINT32_MAX))) {
                *failed_key = "IOPCIPrimaryMatch";
                return false;
        }
        if ((v = value_dict_get(table, "IOPCISecondaryMatch")) &&
            !(has[PCI_REG_SECONDARY] && list_matches(v, regs[PCI_REG_SECONDARY], UINT32_MAX))) {
                *failed_key = "IOPCISecondaryMatch";
                return false;
        }
        if ((v = value_dict_get(table, "IOPCIClassMatch")) &&
            !(has[PCI_REG_CLASS] && list_matches(v, regs[PCI_REG_CLASS], PCI_CLASS_MASK))) {
                *failed_key = "IOPCIClassMatch";
                return false;
        }
        if (!tunnel_allows(e, table)) {
                *failed_key = "IOPCITunnelCompatible";
                return false;
        }
        return true;
}
