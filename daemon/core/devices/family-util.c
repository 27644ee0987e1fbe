/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* family-util.c: see family-util.h. */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "family-util.h"

static const char *skip_space(const char *s) {
        while (*s && isspace((unsigned char) *s))
                s++;
        return s;
}

/* Checks that s is a number in base and nothing else, so strtoull's leniency (a sign, "0x") stays
 * where it is wanted. */
static bool is_number_text(const char *s, int base) {
        if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
                s += 2;
        if (!*s)
                return false;
        for (; *s; s++) {
                if (isspace((unsigned char) *s))
                        return *skip_space(s) == '\0';
                if (base == 16 ? !isxdigit((unsigned char) *s) : !isdigit((unsigned char) *s))
                        return false;
        }
        return true;
}

_hot_ int family_parse_unsigned(const char *s, int base, uint64_t max, uint64_t *ret) {
        unsigned long long v;

        if (!s)
                return -EINVAL;
        s = skip_space(s);
        if (!is_number_text(s, base))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, NULL, base);
        if (errno || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

int family_parse_signed(const char *s, int base, int64_t min, int64_t max, int64_t *ret) {
        bool negative = false;
        uint64_t u;
        int64_t v;
        int r;

        if (!s)
                return -EINVAL;
        s = skip_space(s);
        if (*s == '-' || *s == '+') {
                negative = *s == '-';
                s++;
        }
        r = family_parse_unsigned(s, base, (uint64_t) INT64_MAX + 1, &u);
        if (r < 0)
                return r;
        if (!negative && u > (uint64_t) INT64_MAX)
                return -EINVAL;
        v = negative ? (int64_t) (0 - u) : (int64_t) u;
        if (v < min || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

_hot_ int family_attr_unsigned(const DeviceRecord *d, const char *attr, int base, uint64_t max, uint64_t *ret) {
        const char *s = device_record_attr(d, attr);

        if (!s)
                return -ENOENT;
        return family_parse_unsigned(s, base, max, ret);
}

_hot_ const char *family_uevent_value(const DeviceRecord *d, const char *key, char *buf, size_t size) {
        size_t key_len = strlen(key);
        const char *v, *uevent;

        v = device_record_property(d, key);
        if (v)
                return v;
        uevent = device_record_attr(d, "uevent");
        for (const char *line = uevent; line && *line;) {
                const char *end = strchrnul(line, '\n');

                if ((size_t) (end - line) > key_len && strncmp(line, key, key_len) == 0 &&
                    line[key_len] == '=') {
                        size_t n = end - line - key_len - 1;

                        if (n >= size)
                                return NULL;
                        memcpy(buf, line + key_len + 1, n);
                        buf[n] = '\0';
                        return buf;
                }
                line = *end ? end + 1 : end;
        }
        return NULL;
}

char *family_strip(const char *s) {
        size_t n;

        if (!s)
                return NULL;
        s = skip_space(s);
        n = strlen(s);
        while (n > 0 && isspace((unsigned char) s[n - 1]))
                n--;
        return n > 0 ? strndup(s, n) : NULL;
}

static int hex_digit(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

char *family_udev_decode(const char *s) {
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;

        if (!s)
                return NULL;
        buf = malloc(strlen(s) + 1);
        if (!buf)
                return NULL;
        for (const char *p = s; *p; p++) {
                int hi = p[0] == '\\' && p[1] == 'x' ? hex_digit(p[2]) : -1;
                int lo = hi >= 0 ? hex_digit(p[3]) : -1;

                if (lo >= 0) {
                        char c = (char) (hi << 4 | lo);

                        buf[n++] = c ? c : ' '; /* an encoded NUL would cut the string short */
                        p += 3;
                } else
                        buf[n++] = *p;
        }
        buf[n] = '\0';
        return family_strip(buf);
}

size_t family_name_prefix_len(const char *name) {
        size_t n = strlen(name);

        while (n > 0 && isdigit((unsigned char) name[n - 1]))
                n--;
        return n;
}

Value *family_new_cstring_data(const char *s) {
        return value_new_data(s, strlen(s) + 1);
}

_hot_ const DeviceRecord *family_usb_device_of(const DeviceRecord *d) {
        return device_record_find_ancestor(d, "usb", "usb_device");
}

/* Apple's IOUSBDevice::GetChildLocationID: the port goes into the first zero nibble below the bus. */
static uint32_t child_location_id(uint32_t parent, unsigned port) {
        for (int shift = 20; shift >= 0; shift -= 4)
                if ((parent & (UINT32_C(0xf) << shift)) == 0)
                        return parent | (uint32_t) (port & 0xf) << shift;
        return parent;
}

_hot_ int family_usb_location_id(const char *sysname, uint32_t *ret) {
        const char *p = sysname;
        uint32_t location;
        uint64_t bus;
        char *end;

        if (!sysname)
                return -EINVAL;
        if (strncmp(p, "usb", 3) == 0) {
                /* A root hub: "usb1". */
                if (family_parse_unsigned(p + 3, 10, UINT32_MAX, &bus) < 0 || !isdigit((unsigned char) p[3]))
                        return -EINVAL;
                *ret = (uint32_t) (bus & 0xff) << 24;
                return 0;
        }
        /* "BUS-PORT[.PORT...]" */
        if (!isdigit((unsigned char) *p))
                return -EINVAL;
        errno = 0;
        bus = strtoull(p, &end, 10);
        if (errno || *end != '-' || bus > UINT32_MAX)
                return -EINVAL;
        location = (uint32_t) (bus & 0xff) << 24;
        p = end + 1;
        for (;;) {
                unsigned long port;

                if (!isdigit((unsigned char) *p))
                        return -EINVAL;
                errno = 0;
                port = strtoul(p, &end, 10);
                if (errno || port > 255)
                        return -EINVAL;
                location = child_location_id(location, (unsigned) port);
                if (*end == '\0')
                        break;
                if (*end != '.')
                        return -EINVAL; /* an interface ("1-2:1.0") or garbage */
                p = end + 1;
        }
        *ret = location;
        return 0;
}

_hot_ int family_set_optional(Value *dict, const char *key, Value *v) {
        if (!v)
                return 0;
        return value_dict_set_take(dict, key, v);
}
