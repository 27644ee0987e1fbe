/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-bus-value.c: D-Bus values into Values (bus-value.c), as a client's
 * a{sv} or variant arrives in a method call. The fuzz bytes are a program
 * that builds the message through sd-bus's own append calls: first a type
 * (any D-Bus type, nested as deep as the bytes say, beyond D-Bus's own
 * limits), then values of that type. sd-bus refuses what is not a valid
 * message; the rest is what the daemon may be sent.
 *
 * What the conversion must do with it: not crash, whatever the variant,
 * nesting or size; and what it accepts must travel back (append, read
 * again) to an equal Value, since a property read from a client is sent
 * on to other clients.
 */

#include <assert.h>
#include <sys/socket.h>

#include "bus-value.h"
#include "fuzz.h"

/* Beyond D-Bus's limits (32 nested arrays, 32 structs, 255-byte signatures), so sd-bus's checks run too. */
#define TYPE_MAX_DEPTH 80
#define SIGNATURE_MAX 512
#define ARRAY_MAX_ITEMS 8

typedef struct Bytes {
        const uint8_t *p; /* borrowed: the fuzz input */
        size_t n;
} Bytes;

/* The next byte, or 0 once the input is used up (so every program ends). */
static uint8_t next(Bytes *b) {
        if (b->n == 0)
                return 0;
        b->n--;
        return *b->p++;
}

static void next_bytes(Bytes *b, void *buf, size_t n) {
        for (size_t i = 0; i < n; i++)
                ((uint8_t *) buf)[i] = next(b);
}

/* Appends one complete type to sig (of size SIGNATURE_MAX); false when it does not fit. */
static bool gen_type(Bytes *b, char *sig, size_t *len, unsigned depth) {
        static const char basic[] = "sogyqutnixbd";
        uint8_t c = next(b);
        unsigned n;

#define PUT(ch)                                        \
        do {                                           \
                if (*len + 2 > SIGNATURE_MAX)          \
                        return false;                  \
                sig[(*len)++] = (ch);                  \
                sig[*len] = 0;                         \
        } while (0)

        if (depth >= TYPE_MAX_DEPTH)
                c = 0;
        switch (c % 17) {
        case 13:
                PUT('v');
                return true;
        case 14:
                PUT('a');
                return gen_type(b, sig, len, depth + 1);
        case 15:
                PUT('a');
                PUT('{');
                PUT(basic[next(b) % (sizeof(basic) - 1)]); /* keys are basic; 'd' and 'b' keys too */
                if (!gen_type(b, sig, len, depth + 1))
                        return false;
                PUT('}');
                return true;
        case 16:
                PUT('(');
                n = 1 + next(b) % 3;
                for (unsigned i = 0; i < n; i++)
                        if (!gen_type(b, sig, len, depth + 1))
                                return false;
                PUT(')');
                return true;
        default:
                PUT(basic[c % 17 % (sizeof(basic) - 1)]);
                return true;
        }
#undef PUT
}

/* A string of up to 31 bytes: mostly letters, with whatever byte the input asks for (sd-bus checks UTF-8). */
static void gen_string(Bytes *b, char *buf, size_t size, bool path) {
        unsigned n = next(b) % 32, k = 0;

        assert(size > 33);
        if (path)
                buf[k++] = '/';
        for (unsigned i = 0; i < n; i++) {
                uint8_t c = next(b);

                char ch;

                if (path)
                        ch = c % 8 == 0 && k > 1 && buf[k - 1] != '/' ? '/' : 'a' + c % 26;
                else
                        ch = c >= 0x80 || c < 0x20 ? (char) c : 'a' + c % 26;
                buf[k++] = ch;
        }
        if (path && k > 1 && buf[k - 1] == '/')
                k--;
        buf[k] = 0;
}

static int append_value(sd_bus_message *m, Bytes *b, const char **type, unsigned depth);

/* The complete type at t: its length (arrays' 'a's, then one basic type or a bracketed one). */
static size_t type_length(const char *t) {
        size_t n = 0;
        int open = 0;

        while (t[n] == 'a')
                n++;
        do {
                if (t[n] == '(' || t[n] == '{')
                        open++;
                else if (t[n] == ')' || t[n] == '}')
                        open--;
                n++;
        } while (open > 0);
        return n;
}

static int append_container(sd_bus_message *m, Bytes *b, char kind, const char *contents, unsigned depth) {
        const char *t = contents;
        int r;

        r = sd_bus_message_open_container(m, kind, contents);
        if (r < 0)
                return r;
        if (kind == 'a') {
                unsigned n = next(b) % (ARRAY_MAX_ITEMS + 1);

                for (unsigned i = 0; i < n; i++) {
                        t = contents;
                        r = append_value(m, b, &t, depth + 1);
                        if (r < 0)
                                return r;
                }
        } else
                while (*t) {
                        r = append_value(m, b, &t, depth + 1);
                        if (r < 0)
                                return r;
                }
        return sd_bus_message_close_container(m);
}

/* Appends a value of the complete type at *type and moves *type past it. */
static int append_value(sd_bus_message *m, Bytes *b, const char **type, unsigned depth) {
        char buf[SIGNATURE_MAX];
        const char *t = *type;
        size_t len = type_length(t);
        int r;

        *type += len;
        if (depth > 2 * TYPE_MAX_DEPTH)
                return -E2BIG;
        switch (t[0]) {
        case 's':
        case 'o':
                gen_string(b, buf, sizeof(buf), t[0] == 'o');
                return sd_bus_message_append_basic(m, t[0], buf);
        case 'g':
                len = 0;
                buf[0] = 0;
                (void) gen_type(b, buf, &len, 0);
                return sd_bus_message_append_basic(m, 'g', buf);
        case 'y':
        case 'q':
        case 'u':
        case 't':
        case 'n':
        case 'i':
        case 'x':
        case 'd': {
                uint64_t x = 0;

                /* All eight bytes: sd-bus reads as many as the type holds (little-endian here). */
                next_bytes(b, &x, sizeof(x));
                return sd_bus_message_append_basic(m, t[0], &x);
        }
        case 'b': {
                int x = next(b) & 1;
                return sd_bus_message_append_basic(m, 'b', &x);
        }
        case 'v':
                len = 0;
                if (!gen_type(b, buf, &len, depth))
                        return -E2BIG;
                return append_container(m, b, 'v', buf, depth);
        case 'a':
                if (t[1] == 'y' && next(b) % 2) {
                        /* Bulk data, the way properties carry blobs. */
                        size_t n = next(b);

                        if (n > b->n)
                                n = b->n;
                        r = sd_bus_message_append_array(m, 'y', b->p, n);
                        b->p += n;
                        b->n -= n;
                        return r;
                }
                memcpy(buf, t + 1, len - 1);
                buf[len - 1] = 0;
                return append_container(m, b, 'a', buf, depth);
        case '{':
        case '(':
                memcpy(buf, t + 1, len - 2);
                buf[len - 2] = 0;
                return append_container(m, b, t[0] == '{' ? 'e' : 'r', buf, depth);
        default:
                return -EINVAL;
        }
}

static int new_message(sd_bus *bus, sd_bus_message **ret) {
        return sd_bus_message_new_method_call(bus, ret, "org.ioreg.Registry1", "/org/ioreg/Registry1",
                                              "org.ioreg.Registry1", "Fuzz");
}

/* Sends v back the way it came (a{sv} or a variant) and reads it again: it must come back equal. */
static void round_trip(sd_bus *bus, const Value *v, bool dict) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_value_ Value *again = NULL;

        fuzz_check(new_message(bus, &m) >= 0);
        fuzz_check((dict ? bus_message_append_dict(m, v) : bus_message_append_variant(m, v)) >= 0);
        fuzz_check(sd_bus_message_seal(m, 2, 0) >= 0);
        fuzz_check(sd_bus_message_rewind(m, true) >= 0);
        fuzz_check((dict ? bus_message_read_dict(m, &again) : bus_message_read_variant(m, &again)) >= 0);
        fuzz_check(value_equal(v, again));
        fuzz_check(streq(bus_value_signature(v), bus_value_signature(again)));
}

/* A client bus that never connects: enough for sd-bus to build and seal messages. */
static sd_bus *get_bus(void) {
        static sd_bus *bus = NULL; /* owned, kept for the whole run */
        int fds[2];

        if (bus)
                return bus;
        fuzz_check(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
        fuzz_check(sd_bus_new(&bus) >= 0);
        fuzz_check(sd_bus_set_fd(bus, fds[0], fds[0]) >= 0);
        fuzz_check(sd_bus_start(bus) >= 0);
        close(fds[1]);
        return bus;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_value_ Value *v = NULL;
        Bytes b = { data, size };
        sd_bus *bus = get_bus();
        bool dict;
        int r;

        if (size > FUZZ_MAX_INPUT)
                return 0;
        dict = next(&b) % 2 == 0;
        fuzz_check(new_message(bus, &m) >= 0);
        if (dict) {
                /* A property table: a{sv}, the entries' values of any type. */
                const char *t = "a{sv}";

                r = append_value(m, &b, &t, 0);
        } else {
                const char *t = "v";

                r = append_value(m, &b, &t, 0);
        }
        if (r < 0)
                return 0; /* not a valid message: sd-bus would not have delivered it */
        fuzz_check(sd_bus_message_seal(m, 1, 0) >= 0);
        fuzz_check(sd_bus_message_rewind(m, true) >= 0);

        r = dict ? bus_message_read_dict(m, &v) : bus_message_read_variant(m, &v);
        if (r < 0) {
                /* Refused: only for what bus-value.h says it refuses, or sd-bus's own errors. */
                fuzz_check(!v);
                return 0;
        }
        fuzz_check(v);
        fuzz_check(!dict || value_type(v) == VALUE_DICTIONARY);
        round_trip(bus, v, dict);
        return 0;
}
