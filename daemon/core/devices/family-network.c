/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * family-network.c: network interfaces (subsystem "net") →
 * IOEthernetInterface when the link type is Ethernet (`type` 1,
 * ARPHRD_ETHER: wired, Wi-Fi and most USB/WWAN adapters, as a Mac's Wi-Fi
 * interface is an IOEthernetInterface too), else IONetworkInterface.
 *
 * Keys and widths are IONetworkingFamily's: "BSD Name" (the interface
 * name), IOInterfaceNamePrefix and IOInterfaceUnit (the name split before
 * its trailing number: "wlp3s0" → "wlp3s", 0; a name without a number has
 * no unit), IOMACAddress (data, `addr_len` bytes of `address`),
 * IOMediaAddressLength (8 bits), IOMaxTransferUnit (`mtu`, 32 bits),
 * IOInterfaceType (8 bits: the BSD if_types.h value, 6 for Ethernet, from
 * the ARPHRD `type`), IOLinkStatus (32 bits: kIONetworkLinkValid 1 |
 * kIONetworkLinkActive 2, from `carrier`, else `operstate`; 0 when unknown,
 * as for an interface that is down), IOLinkSpeed (64 bits, bit/s, from
 * `speed` in Mbit/s when the driver knows it).
 *
 * The entry is named after the interface ("en0" on a Mac, "eth0" here),
 * with no location.
 */

#include <string.h>

#include "family-util.h"

#define ARPHRD_ETHER 1

#define kIONetworkLinkValid 0x1
#define kIONetworkLinkActive 0x2

_hot_ static bool network_handles(const DeviceRecord *d) {
        return streq_ptr(d->subsystem, "net");
}

/* BSD if_types.h from Linux's ARPHRD_* (and the devtype for cellular modems). */
static unsigned interface_type(uint64_t arphrd, const char *devtype) {
        static const struct {
                uint64_t arphrd;
                unsigned ift;
        } table[] = {
                { 1, 0x06 },   /* ETHER → IFT_ETHER */
                { 24, 0x90 },  /* IEEE1394 → IFT_IEEE1394 */
                { 256, 0x1c }, /* SLIP → IFT_SLIP */
                { 512, 0x17 }, /* PPP → IFT_PPP */
                { 768, 0x37 }, /* TUNNEL → IFT_GIF */
                { 769, 0x37 }, /* TUNNEL6 → IFT_GIF */
                { 772, 0x18 }, /* LOOPBACK → IFT_LOOP */
                { 776, 0x39 }, /* SIT → IFT_STF */
                { 801, 0x47 }, /* IEEE80211 → IFT_IEEE80211 */
                { 803, 0x47 }, /* IEEE80211_RADIOTAP → IFT_IEEE80211 */
        };

        if (streq_ptr(devtype, "wwan"))
                return 0xff; /* IFT_CELLULAR */
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (table[i].arphrd == arphrd)
                        return table[i].ift;
        return 0x01; /* IFT_OTHER */
}

/* "00:26:b9:ff:22:cd" → 6 bytes; the count must be addr_len. */
static Value *mac_address(const char *s, uint64_t addr_len) {
        uint8_t bytes[32];
        size_t n = 0;

        if (!s || addr_len == 0 || addr_len > sizeof(bytes))
                return NULL;
        for (;;) {
                uint64_t b;
                char hex[3];

                if (!s[0] || !s[1] || n >= sizeof(bytes))
                        return NULL;
                hex[0] = s[0];
                hex[1] = s[1];
                hex[2] = '\0';
                if (family_parse_unsigned(hex, 16, 0xff, &b) < 0 || hex[0] == ' ' || hex[1] == ' ')
                        return NULL;
                bytes[n++] = (uint8_t) b;
                s += 2;
                if (*s == '\0')
                        break;
                if (*s != ':')
                        return NULL;
                s++;
        }
        return n == addr_len ? value_new_data(bytes, n) : NULL;
}

static unsigned link_status(const DeviceRecord *d) {
        const char *carrier = device_record_attr(d, "carrier");
        const char *operstate = device_record_attr(d, "operstate");

        if (streq_ptr(carrier, "1"))
                return kIONetworkLinkValid | kIONetworkLinkActive;
        if (streq_ptr(carrier, "0"))
                return kIONetworkLinkValid;
        if (streq_ptr(operstate, "up"))
                return kIONetworkLinkValid | kIONetworkLinkActive;
        if (streq_ptr(operstate, "down") || streq_ptr(operstate, "lowerlayerdown") ||
            streq_ptr(operstate, "dormant"))
                return kIONetworkLinkValid;
        return 0; /* unknown, or the interface is down and the carrier unreadable */
}

_hot_ static int network_describe(const DeviceRecord *d, NubDescription *nub) {
        Value *props = nub->properties;
        uint64_t type, addr_len = 0, v;
        bool has_type, has_addr_len;
        _cleanup_free_ char *prefix = NULL;
        size_t prefix_len;
        int64_t speed;

        has_type = family_attr_unsigned(d, "type", 10, UINT32_MAX, &type) >= 0;
        nub->class_name = has_type && type == ARPHRD_ETHER ? "IOEthernetInterface" : "IONetworkInterface";

        prefix_len = family_name_prefix_len(d->sysname);
        prefix = strndup(d->sysname, prefix_len);
        if (!prefix)
                return -ENOMEM;
        if (value_dict_set_take(props, "BSD Name", value_new_string(d->sysname)) < 0 ||
            value_dict_set_take(props, "IOInterfaceNamePrefix", value_new_string(prefix)) < 0)
                return -ENOMEM;
        if (family_parse_unsigned(d->sysname + prefix_len, 10, UINT32_MAX, &v) >= 0 &&
            value_dict_set_take(props, "IOInterfaceUnit", value_new_unsigned(v, 32)) < 0)
                return -ENOMEM;

        has_addr_len = family_attr_unsigned(d, "addr_len", 10, 0xff, &addr_len) >= 0;
        if (has_addr_len) {
                if (value_dict_set_take(props, "IOMediaAddressLength", value_new_unsigned(addr_len, 8)) < 0)
                        return -ENOMEM;
                if (family_set_optional(props, "IOMACAddress",
                                        mac_address(device_record_attr(d, "address"), addr_len)) < 0)
                        return -ENOMEM;
        }
        if (family_attr_unsigned(d, "mtu", 10, UINT32_MAX, &v) >= 0 &&
            value_dict_set_take(props, "IOMaxTransferUnit", value_new_unsigned(v, 32)) < 0)
                return -ENOMEM;
        if (has_type && value_dict_set_take(props, "IOInterfaceType",
                                            value_new_unsigned(interface_type(type, d->devtype), 8)) < 0)
                return -ENOMEM;
        if (value_dict_set_take(props, "IOLinkStatus", value_new_unsigned(link_status(d), 32)) < 0)
                return -ENOMEM;
        /* `speed` is -1 (or unreadable) when the driver does not know it. */
        if (family_parse_signed(device_record_attr(d, "speed"), 10, 1, INT64_MAX / 1000000, &speed) >= 0) {
                uint64_t bps = (uint64_t) speed * 1000000;

                if (value_dict_set_take(props, "IOLinkSpeed", value_new_unsigned(bps, 64)) < 0)
                        return -ENOMEM;
        }

        nub->name = strdup(d->sysname);
        return nub->name ? 0 : -ENOMEM;
}

const Family family_network = {
        .name = "network",
        .subsystems = { "net" },
        .handles = network_handles,
        .describe = network_describe,
};
