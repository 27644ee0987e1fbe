/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-errors.c: see bus-errors.h. */

#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "bus-errors.h"
#include "bus-value.h"

const BusValueLimits bus_limits_matching = {
        .max_depth = BUS_VALUE_MAX_DEPTH,
        /* Every registered service meets the whole table: keep a query cheap. */
        .max_values = 1024,
};

const BusValueLimits bus_limits_properties = {
        .max_depth = BUS_VALUE_MAX_DEPTH,
        .max_values = 65536,
};

bool bus_utf8_is_valid(const char *s, size_t len) {
        const unsigned char *p = (const unsigned char *) s, *end = p + len;

        while (p < end) {
                unsigned char c = *p;
                uint32_t cp;
                size_t n;

                if (c < 0x80) {
                        if (c == 0)
                                return false;
                        p++;
                        continue;
                }
                if (c >= 0xc2 && c <= 0xdf) {
                        n = 1;
                        cp = c & 0x1f;
                } else if (c >= 0xe0 && c <= 0xef) {
                        n = 2;
                        cp = c & 0x0f;
                } else if (c >= 0xf0 && c <= 0xf4) {
                        n = 3;
                        cp = c & 0x07;
                } else
                        return false; /* a continuation byte, an overlong lead, or beyond U+10FFFF */
                if ((size_t) (end - p) <= n)
                        return false;
                for (size_t i = 1; i <= n; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (p[i] & 0x3f);
                }
                if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
                    (cp >= 0xd800 && cp <= 0xdfff))
                        return false;
                p += n + 1;
        }
        return true;
}

int bus_check_string(const char *what, const char *s, size_t max, sd_bus_error *error) {
        size_t len = strlen(s);

        if (len > max)
                return sd_bus_error_setf(error, IOREG_ERROR_LIMITS_EXCEEDED, "The %s is longer than %zu bytes.",
                                         what, max);
        if (!bus_utf8_is_valid(s, len))
                return sd_bus_error_setf(error, IOREG_ERROR_INVALID_ARGUMENT, "The %s is not valid UTF-8.", what);
        return 0;
}

typedef struct CheckState {
        const BusValueLimits *limits;
        size_t n_values;
        sd_bus_error *error;
} CheckState;

static int check_value(CheckState *st, const Value *v, unsigned depth) {
        const char *s;
        size_t len;
        int r;

        if (++st->n_values > st->limits->max_values)
                return sd_bus_error_setf(st->error, IOREG_ERROR_LIMITS_EXCEEDED, "More than %zu values.",
                                         st->limits->max_values);
        switch (value_type(v)) {
        case VALUE_STRING:
                s = value_string(v, &len);
                if (len > BUS_MAX_STRING)
                        return sd_bus_error_setf(st->error, IOREG_ERROR_LIMITS_EXCEEDED,
                                                 "A string is longer than %u bytes.", BUS_MAX_STRING);
                if (!bus_utf8_is_valid(s, len))
                        return sd_bus_error_set(st->error, IOREG_ERROR_INVALID_ARGUMENT,
                                                "A string is not valid UTF-8.");
                return 0;
        case VALUE_DATA:
                (void) value_data(v, &len);
                if (len > BUS_MAX_DATA)
                        return sd_bus_error_setf(st->error, IOREG_ERROR_LIMITS_EXCEEDED,
                                                 "A data value is longer than %u bytes.", BUS_MAX_DATA);
                return 0;
        case VALUE_ARRAY:
        case VALUE_DICTIONARY:
                if (depth + 1 > st->limits->max_depth)
                        return sd_bus_error_setf(st->error, IOREG_ERROR_LIMITS_EXCEEDED,
                                                 "Nested deeper than %u.", st->limits->max_depth);
                if (value_type(v) == VALUE_ARRAY) {
                        for (size_t i = 0; i < value_array_size(v); i++) {
                                r = check_value(st, value_array_get(v, i), depth + 1);
                                if (r < 0)
                                        return r;
                        }
                        return 0;
                }
                for (size_t i = 0; i < value_dict_size(v); i++) {
                        const char *key = value_dict_key_at(v, i);

                        r = bus_check_string("key", key, BUS_MAX_NAME, st->error);
                        if (r < 0)
                                return r;
                        r = check_value(st, value_dict_value_at(v, i), depth + 1);
                        if (r < 0)
                                return r;
                }
                return 0;
        default:
                return 0;
        }
}

int bus_check_value(const Value *v, const BusValueLimits *limits, sd_bus_error *error) {
        CheckState st = { .limits = limits, .error = error };

        assert(v && limits);
        return check_value(&st, v, 0);
}

int bus_read_dict_checked(sd_bus_message *m, const BusValueLimits *limits, Value **ret, sd_bus_error *error) {
        _cleanup_value_ Value *d = NULL;
        int r;

        r = bus_message_read_dict_limited(m, limits->max_values, &d);
        if (r == -E2BIG)
                return sd_bus_error_setf(error, IOREG_ERROR_LIMITS_EXCEEDED,
                                         "The dictionary holds more than %zu values.", limits->max_values);
        if (r == -ELOOP)
                return sd_bus_error_setf(error, IOREG_ERROR_LIMITS_EXCEEDED, "The dictionary nests more than %u containers deep.",
                                         BUS_VALUE_MAX_DEPTH);
        if (r == -EMEDIUMTYPE)
                return sd_bus_error_set(error, IOREG_ERROR_INVALID_ARGUMENT,
                                        "The dictionary holds a type the registry does not keep "
                                        "(double, unix fd, or a dictionary with non-string keys).");
        if (r < 0)
                return bus_error_set_errno(error, r, "Cannot read the dictionary");
        r = bus_check_value(d, limits, error);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(d);
        return 0;
}

int bus_find_plane(const Registry *reg, const char *name, bool allow_none, const Plane **ret,
                   sd_bus_error *error) {
        const Plane *p;
        int r;

        if (allow_none && name[0] == '\0') {
                *ret = NULL;
                return 0;
        }
        r = bus_check_string("plane name", name, BUS_MAX_NAME, error);
        if (r < 0)
                return r;
        p = registry_find_plane(reg, name);
        if (!p)
                return sd_bus_error_setf(error, IOREG_ERROR_NO_SUCH_PLANE, "No plane named '%s'.", name);
        *ret = p;
        return 0;
}

int bus_find_entry(const Registry *reg, uint64_t id, Entry **ret, sd_bus_error *error) {
        Entry *e = registry_get_entry(reg, id);

        if (!e)
                return sd_bus_error_setf(error, IOREG_ERROR_NO_SUCH_ENTRY, "No entry with ID 0x%" PRIx64 ".", id);
        *ret = e;
        return 0;
}

int bus_error_set_errno(sd_bus_error *error, int r, const char *what) {
        const char *name;

        switch (r < 0 ? -r : r) {
        case ENOMEM:
                return sd_bus_error_set_errno(error, r);
        case ENOENT:
                name = IOREG_ERROR_NOT_FOUND;
                break;
        case ENXIO:
                name = IOREG_ERROR_NO_SUCH_PLANE;
                break;
        case ESTALE:
                name = IOREG_ERROR_NO_SUCH_ENTRY;
                break;
        case EINVAL:
        case EMEDIUMTYPE:
        case EBADMSG:
                name = IOREG_ERROR_INVALID_ARGUMENT;
                break;
        case ELOOP:
        case E2BIG:
        case ENAMETOOLONG:
                name = IOREG_ERROR_LIMITS_EXCEEDED;
                break;
        case EPERM:
        case EACCES:
                name = IOREG_ERROR_NOT_PERMITTED;
                break;
        case EOPNOTSUPP:
                name = IOREG_ERROR_NOT_SUPPORTED;
                break;
        case ETIMEDOUT:
                name = IOREG_ERROR_TIMEOUT;
                break;
        default:
                name = IOREG_ERROR_FAILED;
        }
        return sd_bus_error_setf(error, name, "%s: %s", what, strerror(r < 0 ? -r : r));
}
