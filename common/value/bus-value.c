/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-value.c: see bus-value.h. */

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "bus-value.h"
#include "utf8.h"

/*
 * A string as D-Bus can carry it. The edges repair what they read (utf8.h), so this is the
 * last line: one bad string must not fail a whole reply (GetPlane) for every client.
 */
static int append_string(sd_bus_message *m, const char *s) {
        _cleanup_free_ char *repaired = NULL;

        if (utf8_is_valid(s, strlen(s)))
                return sd_bus_message_append_basic(m, 's', s);
        repaired = utf8_escape_invalid(s, strlen(s));
        if (!repaired)
                return -ENOMEM;
        return sd_bus_message_append_basic(m, 's', repaired);
}

_hot_ const char *bus_value_signature(const Value *v) {
        switch (value_type(v)) {
        case VALUE_STRING:
                return "s";
        case VALUE_NUMBER:
                switch (value_number_bits(v)) {
                case 8:
                        return value_number_is_signed(v) ? "n" : "y";
                case 16:
                        return value_number_is_signed(v) ? "n" : "q";
                case 32:
                        return value_number_is_signed(v) ? "i" : "u";
                default:
                        return value_number_is_signed(v) ? "x" : "t";
                }
        case VALUE_BOOLEAN:
                return "b";
        case VALUE_DATA:
                return "ay";
        case VALUE_ARRAY:
                return "av";
        case VALUE_DICTIONARY:
                return "a{sv}";
        default:
                return NULL;
        }
}

/* Appends the value itself, in the signature bus_value_signature() names. */
static int append_plain(sd_bus_message *m, const Value *v) {
        const char *sig = bus_value_signature(v);
        const uint8_t *bytes;
        size_t len;
        int r;

        if (!sig)
                return -EINVAL;
        switch (value_type(v)) {
        case VALUE_STRING:
                return append_string(m, value_string(v, NULL));
        case VALUE_NUMBER:
                switch (sig[0]) {
                case 'y': {
                        uint8_t x = (uint8_t) value_unsigned(v);
                        return sd_bus_message_append_basic(m, 'y', &x);
                }
                case 'q': {
                        uint16_t x = (uint16_t) value_unsigned(v);
                        return sd_bus_message_append_basic(m, 'q', &x);
                }
                case 'u': {
                        uint32_t x = (uint32_t) value_unsigned(v);
                        return sd_bus_message_append_basic(m, 'u', &x);
                }
                case 't': {
                        uint64_t x = value_unsigned(v);
                        return sd_bus_message_append_basic(m, 't', &x);
                }
                case 'n': {
                        int16_t x = (int16_t) value_signed(v);
                        return sd_bus_message_append_basic(m, 'n', &x);
                }
                case 'i': {
                        int32_t x = (int32_t) value_signed(v);
                        return sd_bus_message_append_basic(m, 'i', &x);
                }
                default: {
                        int64_t x = value_signed(v);
                        return sd_bus_message_append_basic(m, 'x', &x);
                }
                }
        case VALUE_BOOLEAN: {
                int b = value_boolean(v);
                return sd_bus_message_append_basic(m, 'b', &b);
        }
        case VALUE_DATA:
                bytes = value_data(v, &len);
                return sd_bus_message_append_array(m, 'y', bytes ? bytes : (const uint8_t *) "", len);
        case VALUE_ARRAY:
                r = sd_bus_message_open_container(m, 'a', "v");
                if (r < 0)
                        return r;
                for (size_t i = 0; i < value_array_size(v); i++) {
                        r = bus_message_append_variant(m, value_array_get(v, i));
                        if (r < 0)
                                return r;
                }
                return sd_bus_message_close_container(m);
        case VALUE_DICTIONARY:
                return bus_message_append_dict(m, v);
        default:
                return -EINVAL;
        }
}

int bus_message_append_variant(sd_bus_message *m, const Value *v) {
        const char *sig = bus_value_signature(v);
        int r;

        if (!sig)
                return -EINVAL;
        r = sd_bus_message_open_container(m, 'v', sig);
        if (r < 0)
                return r;
        r = append_plain(m, v);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

int bus_message_append_dict(sd_bus_message *m, const Value *d) {
        int r;

        if (value_type(d) != VALUE_DICTIONARY)
                return -EINVAL;
        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        for (size_t i = 0; i < value_dict_size(d); i++) {
                r = sd_bus_message_open_container(m, 'e', "sv");
                if (r < 0)
                        return r;
                r = append_string(m, value_dict_key_at(d, i));
                if (r < 0)
                        return r;
                r = bus_message_append_variant(m, value_dict_value_at(d, i));
                if (r < 0)
                        return r;
                r = sd_bus_message_close_container(m);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(m);
}

static int read_plain(sd_bus_message *m, char type, const char *contents, unsigned depth, Value **ret);

/*
 * The depth of an array item or a dictionary value. Sent back, every item
 * travels in a variant (av, a{sv}): one that came without (aau, a{ss}) counts
 * as if it had one, so whatever is read can be sent and read again.
 */
static unsigned item_depth(unsigned depth, char item_type) {
        return depth + (item_type == 'v' ? 1 : 2);
}

/* Reads the array whose element signature is contents (already peeked, not entered). */
static int read_array(sd_bus_message *m, const char *contents, unsigned depth, Value **ret) {
        _cleanup_value_ Value *v = NULL;
        int r;

        if (streq(contents, "y")) {
                const void *p;
                size_t n;

                r = sd_bus_message_read_array(m, 'y', &p, &n);
                if (r < 0)
                        return r;
                v = value_new_data(p, n);
                if (!v)
                        return -ENOMEM;
                *ret = TAKE_PTR(v);
                return 0;
        }

        if (contents[0] == '{') {
                /* A dictionary: keys must be strings (or object paths / signatures). */
                char key_type = contents[1];

                if (key_type != 's' && key_type != 'o' && key_type != 'g')
                        return -EMEDIUMTYPE;
                v = value_new_dictionary();
                if (!v)
                        return -ENOMEM;
                r = sd_bus_message_enter_container(m, 'a', contents);
                if (r < 0)
                        return r;
                /* The entry's signature without the braces: "sv", "ss", "sa{sv}", ... */
                char entry_sig[256];
                size_t len = strlen(contents);

                if (len < 4 || len - 2 >= sizeof(entry_sig))
                        return -EMEDIUMTYPE;
                memcpy(entry_sig, contents + 1, len - 2);
                entry_sig[len - 2] = '\0';
                while ((r = sd_bus_message_enter_container(m, 'e', entry_sig)) > 0) {
                        _cleanup_value_ Value *item = NULL;
                        const char *key, *item_contents;
                        char item_type;

                        r = sd_bus_message_read_basic(m, key_type, &key);
                        if (r < 0)
                                return r;
                        r = sd_bus_message_peek_type(m, &item_type, &item_contents);
                        if (r <= 0)
                                return r < 0 ? r : -EBADMSG;
                        r = read_plain(m, item_type, item_contents, item_depth(depth, item_type), &item);
                        if (r < 0)
                                return r;
                        r = value_dict_set(v, key, item);
                        if (r < 0)
                                return r;
                        r = sd_bus_message_exit_container(m);
                        if (r < 0)
                                return r;
                }
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
                *ret = TAKE_PTR(v);
                return 0;
        }

        v = value_new_array();
        if (!v)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, 'a', contents);
        if (r < 0)
                return r;
        for (;;) {
                _cleanup_value_ Value *item = NULL;
                const char *item_contents;
                char item_type;

                r = sd_bus_message_peek_type(m, &item_type, &item_contents);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                r = read_plain(m, item_type, item_contents, item_depth(depth, item_type), &item);
                if (r < 0)
                        return r;
                r = value_array_append(v, item);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(v);
        return 0;
}

/* Values a read may still make (bus_message_read_dict_limited()); per thread, as reads are. */
static _Thread_local size_t read_budget = SIZE_MAX;

static int read_plain(sd_bus_message *m, char type, const char *contents, unsigned depth, Value **ret) {
        Value *v = NULL;
        int r;

        if (depth > BUS_VALUE_MAX_DEPTH)
                return -ELOOP;
        /*
         * Counted as they are read (a variant is not a value of its own: its content is), so
         * that a dictionary of a million values stops at the limit, unbuilt.
         */
        if (type != 'v') {
                if (read_budget == 0)
                        return -E2BIG;
                read_budget--;
        }
        switch (type) {
        case 's':
        case 'o':
        case 'g': {
                const char *s;

                r = sd_bus_message_read_basic(m, type, &s);
                if (r < 0)
                        return r;
                v = value_new_string(s);
                break;
        }
        case 'y': {
                uint8_t x;
                r = sd_bus_message_read_basic(m, type, &x);
                if (r < 0)
                        return r;
                v = value_new_unsigned(x, 8);
                break;
        }
        case 'q': {
                uint16_t x;
                r = sd_bus_message_read_basic(m, type, &x);
                if (r < 0)
                        return r;
                v = value_new_unsigned(x, 16);
                break;
        }
        case 'u': {
                uint32_t x;
                r = sd_bus_message_read_basic(m, type, &x);
                if (r < 0)
                        return r;
                v = value_new_unsigned(x, 32);
                break;
        }
        case 't': {
                uint64_t x;
                r = sd_bus_message_read_basic(m, type, &x);
                if (r < 0)
                        return r;
                v = value_new_unsigned(x, 64);
                break;
        }
        case 'n': {
                int16_t x;
                r = sd_bus_message_read_basic(m, type, &x);
                if (r < 0)
                        return r;
                v = value_new_signed(x, 16);
                break;
        }
        case 'i': {
                int32_t x;
                r = sd_bus_message_read_basic(m, type, &x);
                if (r < 0)
                        return r;
                v = value_new_signed(x, 32);
                break;
        }
        case 'x': {
                int64_t x;
                r = sd_bus_message_read_basic(m, type, &x);
                if (r < 0)
                        return r;
                v = value_new_signed(x, 64);
                break;
        }
        case 'b': {
                int b;
                r = sd_bus_message_read_basic(m, type, &b);
                if (r < 0)
                        return r;
                v = value_new_boolean(b);
                break;
        }
        case 'v': {
                const char *inner_contents;
                char inner_type;

                r = sd_bus_message_enter_container(m, 'v', contents);
                if (r < 0)
                        return r;
                r = sd_bus_message_peek_type(m, &inner_type, &inner_contents);
                if (r <= 0)
                        return r < 0 ? r : -EBADMSG;
                r = read_plain(m, inner_type, inner_contents, depth + 1, &v);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0) {
                        value_unref(v);
                        return r;
                }
                *ret = v;
                return 0;
        }
        case 'a':
                return read_array(m, contents, depth, ret);
        default:
                /* 'd' (double), 'h' (fd), structs: no Value type holds them. */
                return -EMEDIUMTYPE;
        }
        if (!v)
                return -ENOMEM;
        *ret = v;
        return 0;
}

int bus_message_read_variant(sd_bus_message *m, Value **ret) {
        const char *contents;
        char type;
        int r;

        assert(m && ret);
        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (r == 0 || type != 'v')
                return -ENXIO;
        return read_plain(m, type, contents, 0, ret);
}

int bus_message_read_dict_limited(sd_bus_message *m, size_t max_values, Value **ret) {
        int r;

        read_budget = max_values + 1; /* the dictionary itself counts */
        r = bus_message_read_dict(m, ret);
        read_budget = SIZE_MAX;
        return r;
}

int bus_message_read_dict(sd_bus_message *m, Value **ret) {
        _cleanup_value_ Value *v = NULL;
        const char *contents;
        char type;
        int r;

        assert(m && ret);
        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (r == 0 || type != 'a' || !streq(contents, "{sv}"))
                return -ENXIO;
        r = read_plain(m, type, contents, 0, &v);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(v);
        return 0;
}

/* --- sizes on the wire (an upper bound: every item counted with its worst padding) --- */

_hot_ static uint64_t string_wire_size(size_t len) {
        return 8 + len + 1; /* length, bytes, NUL, up to 7 bytes of padding before the next */
}

_hot_ uint64_t bus_value_wire_size(const Value *v) {
        uint64_t n = 8 + 8; /* the variant's signature (short for every type but deep ones) and padding */
        const char *sig = bus_value_signature(v);
        size_t len;

        n += strlen(sig);
        switch (value_type(v)) {
        case VALUE_STRING:
                (void) value_string(v, &len);
                return n + string_wire_size(len);
        case VALUE_DATA:
                (void) value_data(v, &len);
                return n + 8 + len;
        case VALUE_ARRAY:
                n += 8;
                for (size_t i = 0; i < value_array_size(v); i++)
                        n += bus_value_wire_size(value_array_get(v, i));
                return n;
        case VALUE_DICTIONARY:
                return n + bus_dict_wire_size(v);
        default:
                return n + 8;
        }
}

_hot_ uint64_t bus_dict_wire_size(const Value *d) {
        uint64_t n = 8; /* the array's length and the padding of its first entry */

        if (!d || value_type(d) != VALUE_DICTIONARY)
                return n;
        for (size_t i = 0; i < value_dict_size(d); i++)
                n += 8 + string_wire_size(strlen(value_dict_key_at(d, i))) +
                     bus_value_wire_size(value_dict_value_at(d, i));
        return n;
}
