/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wire-json.c: see wire-json.h. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "wire-json.h"

/* ---- writing ---- */

/* The signature j goes out in, or NULL when it has none (wire_json_check()'s rule). */
static const char *signature_of(json_t *j) {
        if (!j)
                return NULL;
        switch (json_typeof(j)) {
        case JSON_STRING:
                return "s";
        case JSON_INTEGER:
                return json_integer_value(j) < 0 ? "x" : "t";
        case JSON_TRUE:
        case JSON_FALSE:
                return "b";
        case JSON_ARRAY:
                return "av";
        case JSON_OBJECT:
                if (json_object_get(j, JSON_FORM_DATA_KEY))
                        return "ay";
                if (json_object_get(j, JSON_FORM_UNSIGNED_KEY))
                        return "t";
                return "a{sv}";
        default:
                return NULL; /* real, null */
        }
}

int wire_json_check(json_t *j) {
        const char *sig = signature_of(j);
        const char *key;
        json_t *item; /* borrowed */
        size_t i;
        int r;

        if (!sig)
                return -EINVAL;
        if (streq(sig, "ay")) {
                _cleanup_free_ uint8_t *bytes = NULL;
                size_t len;

                return json_form_get_data(j, &bytes, &len);
        }
        if (json_is_object(j) && streq(sig, "t")) {
                uint64_t u;

                return json_form_get_unsigned(j, &u);
        }
        if (json_is_array(j))
                json_array_foreach(j, i, item) {
                        r = wire_json_check(item);
                        if (r < 0)
                                return r;
                }
        if (json_is_object(j))
                json_object_foreach(j, key, item) {
                        r = wire_json_check(item);
                        if (r < 0)
                                return r;
                }
        return 0;
}

/* Appends j itself, in the signature signature_of() names. */
static int append_plain(sd_bus_message *m, json_t *j, const char *sig) {
        const char *key;
        json_t *item; /* borrowed */
        size_t i;
        int r;

        switch (sig[0]) {
        case 's':
                return sd_bus_message_append_basic(m, 's', json_string_value(j));
        case 'b': {
                int b = json_is_true(j);

                return sd_bus_message_append_basic(m, 'b', &b);
        }
        case 'x': {
                int64_t x = json_integer_value(j);

                return sd_bus_message_append_basic(m, 'x', &x);
        }
        case 't': {
                uint64_t u;

                r = json_form_get_unsigned(j, &u);
                if (r < 0)
                        return r;
                return sd_bus_message_append_basic(m, 't', &u);
        }
        default:
                break;
        }
        if (streq(sig, "ay")) {
                _cleanup_free_ uint8_t *bytes = NULL;
                size_t len;

                r = json_form_get_data(j, &bytes, &len);
                if (r < 0)
                        return r;
                return sd_bus_message_append_array(m, 'y', bytes, len);
        }
        if (streq(sig, "av")) {
                r = sd_bus_message_open_container(m, 'a', "v");
                if (r < 0)
                        return r;
                json_array_foreach(j, i, item) {
                        r = wire_json_append_variant(m, item);
                        if (r < 0)
                                return r;
                }
                return sd_bus_message_close_container(m);
        }
        /* a{sv} */
        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        json_object_foreach(j, key, item) {
                r = sd_bus_message_open_container(m, 'e', "sv");
                if (r < 0)
                        return r;
                r = sd_bus_message_append_basic(m, 's', key);
                if (r < 0)
                        return r;
                r = wire_json_append_variant(m, item);
                if (r < 0)
                        return r;
                r = sd_bus_message_close_container(m);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(m);
}

int wire_json_append_variant(sd_bus_message *m, json_t *j) {
        const char *sig = signature_of(j);
        int r;

        if (!sig)
                return -EINVAL;
        r = sd_bus_message_open_container(m, 'v', sig);
        if (r < 0)
                return r;
        r = append_plain(m, j, sig);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

int wire_json_append_dict(sd_bus_message *m, json_t *d) {
        const char *sig = signature_of(d);

        if (!sig || !streq(sig, "a{sv}"))
                return -EINVAL;
        return append_plain(m, d, sig);
}

/* ---- reading ---- */

static int read_plain(sd_bus_message *m, char type, const char *contents, unsigned depth, json_t **ret);

/*
 * The depth of an array item or a dictionary value. Sent back, every item
 * travels in a variant (av, a{sv}): one that came without (aau, a{ss}) counts
 * as if it had one, so whatever is read can be sent and read again.
 */
static unsigned item_depth(unsigned depth, char item_type) {
        return depth + (item_type == 'v' ? 1 : 2);
}

/* A dictionary whose entry signature is contents ("{sv}", "{ss}", ...), not entered yet. */
static int read_object(sd_bus_message *m, const char *contents, unsigned depth, json_t **ret) {
        json_auto_t *o = NULL;
        char key_type = contents[1], entry_sig[256];
        size_t len = strlen(contents);
        int r;

        if (key_type != 's' && key_type != 'o' && key_type != 'g')
                return -EMEDIUMTYPE;
        /* The entry's signature without the braces: "sv", "ss", "sa{sv}", ... */
        if (len < 4 || len - 2 >= sizeof(entry_sig))
                return -EMEDIUMTYPE;
        memcpy(entry_sig, contents + 1, len - 2);
        entry_sig[len - 2] = '\0';
        o = json_object();
        if (!o)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, 'a', contents);
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', entry_sig)) > 0) {
                json_t *item = NULL;
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
                /* sd-bus checked that key is UTF-8: jansson need not again. */
                if (json_object_set_new_nocheck(o, key, item) < 0)
                        return -ENOMEM;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

/* The array whose element signature is contents (peeked, not entered). */
static int read_array(sd_bus_message *m, const char *contents, unsigned depth, json_t **ret) {
        json_auto_t *a = NULL;
        int r;

        if (streq(contents, "y")) {
                const void *p;
                size_t n;

                r = sd_bus_message_read_array(m, 'y', &p, &n);
                if (r < 0)
                        return r;
                *ret = json_form_data(p, n);
                return *ret ? 0 : -ENOMEM;
        }
        if (contents[0] == '{')
                return read_object(m, contents, depth, ret);
        a = json_array();
        if (!a)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, 'a', contents);
        if (r < 0)
                return r;
        for (;;) {
                json_t *item = NULL;
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
                if (json_array_append_new(a, item) < 0)
                        return -ENOMEM;
        }
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(a);
        return 0;
}

/* The variant whose signature is contents (peeked, not entered). */
static int read_variant(sd_bus_message *m, const char *contents, unsigned depth, json_t **ret) {
        json_auto_t *j = NULL;
        const char *inner_contents;
        char inner_type;
        int r;

        r = sd_bus_message_enter_container(m, 'v', contents);
        if (r < 0)
                return r;
        r = sd_bus_message_peek_type(m, &inner_type, &inner_contents);
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        r = read_plain(m, inner_type, inner_contents, depth + 1, &j);
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(j);
        return 0;
}

/* A basic type as a JSON integer, string or boolean. */
static int read_basic(sd_bus_message *m, char type, json_t **ret) {
        union {
                uint8_t y;
                uint16_t q;
                uint32_t u;
                uint64_t t;
                int16_t n;
                int32_t i;
                int64_t x;
                int b;
                const char *s;
        } x;
        json_t *j;
        int r;

        r = sd_bus_message_read_basic(m, type, &x);
        if (r < 0)
                return r;
        switch (type) {
        case 's':
        case 'o':
        case 'g':
                j = json_string_nocheck(x.s); /* UTF-8: sd-bus checked it */
                break;
        case 'y':
                j = json_integer(x.y);
                break;
        case 'q':
                j = json_integer(x.q);
                break;
        case 'u':
                j = json_integer(x.u);
                break;
        case 't':
                j = json_form_unsigned(x.t);
                break;
        case 'n':
                j = json_integer(x.n);
                break;
        case 'i':
                j = json_integer(x.i);
                break;
        case 'x':
                j = json_integer(x.x);
                break;
        default: /* 'b' */
                j = json_boolean(x.b);
                break;
        }
        if (!j)
                return -ENOMEM;
        *ret = j;
        return 0;
}

static int read_plain(sd_bus_message *m, char type, const char *contents, unsigned depth, json_t **ret) {
        if (depth > WIRE_JSON_MAX_DEPTH)
                return -ELOOP;
        switch (type) {
        case 's':
        case 'o':
        case 'g':
        case 'y':
        case 'q':
        case 'u':
        case 't':
        case 'n':
        case 'i':
        case 'x':
        case 'b':
                return read_basic(m, type, ret);
        case 'v':
                return read_variant(m, contents, depth, ret);
        case 'a':
                return read_array(m, contents, depth, ret);
        default:
                /* 'd' (double), 'h' (fd), structs: no registry value holds them. */
                return -EMEDIUMTYPE;
        }
}

int wire_json_read_variant(sd_bus_message *m, json_t **ret) {
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (r == 0 || type != 'v')
                return -ENXIO;
        return read_plain(m, type, contents, 0, ret);
}

int wire_json_read_dict(sd_bus_message *m, json_t **ret) {
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (r == 0 || type != 'a' || !streq(contents, "{sv}"))
                return -ENXIO;
        return read_plain(m, type, contents, 0, ret);
}
