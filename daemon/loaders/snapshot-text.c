/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * snapshot-text.c: `ioreg` text dumps (reference §4.2) back into a
 * Registry, line by line. Object lines give the tree, property blocks the
 * properties in Apple's value syntax (snapshot-value.c); `-f` blocks are
 * read back into their bytes. See snapshot.h for what the text loses.
 * Also read: dumps printed to a terminal (clipped lines, a shell prompt
 * before or after), and the one-line-per-entry "class: A:B:C" form.
 */

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macroman.h"
#include "snapshot-value.h"
#include "snapshot.h"

/* --- lines --- */

typedef struct Loader {
        SnapshotBuilder builder;
        SnapshotError *err;
        unsigned line;
        bool have_node;
        unsigned depth;          /* of the last object line */
        Value *props;            /* owned: the block being read, NULL outside one */
        char *pending_key;       /* owned: a -f key whose value is on the lines below */
        char **pending;          /* owned strv: those lines */
        char *open_line;         /* owned: a property line whose string holds newlines, so far */
        unsigned n_pending, cap_pending;
        size_t clip_width;       /* the terminal width the dump was clipped at, 0 if it was not */
        bool clipped;            /* the current line is clipped: it ends in the '$' ioreg put there */
        bool trailing;           /* the dump ended (a shell prompt after it): the rest is ignored */
        bool pending_clipped;    /* a line of the -f block being read was clipped */
        bool lost;               /* an object line cut inside its tree columns: skip to the next one */
        uint64_t *ids;           /* owned, sorted: the whole IDs of a clipped dump (cut ones avoid them) */
        size_t n_ids;
} Loader;

_printf_(3, 4) static int fail_at(Loader *l, int r, const char *format, ...) {
        va_list ap;

        if (l->err) {
                l->err->line = l->line;
                va_start(ap, format);
                vsnprintf(l->err->message, sizeof(l->err->message), format, ap);
                va_end(ap);
        }
        return r;
}

static void pending_clear(Loader *l) {
        for (size_t i = 0; i < l->n_pending; i++)
                free(l->pending[i]);
        l->n_pending = 0;
        l->pending_clipped = false;
        free(l->pending_key);
        l->pending_key = NULL;
}

/*
 * A line of a -f block cut by the clip: a hex-dump line keeps its whole
 * bytes, with the ASCII column they give; a cell line its whole 8-digit
 * cells. Owned; NULL on ENOMEM.
 */
static char *clipped_block_line(const char *s) {
        size_t n = strlen(s) - 1; /* without the '$' */
        char *out = strndup(s, n), *q;

        if (!out)
                return NULL;
        if (n > 13 && out[12] == ':') {
                /* "    OFFSET: XX XX …": the whole " XX" groups, then a space and their characters. */
                size_t end = 13, k = 0;
                char ascii[256];

                while (end + 3 <= n && out[end] == ' ' && isxdigit((unsigned char) out[end + 1]) &&
                       isxdigit((unsigned char) out[end + 2]) && (end + 3 == n || out[end + 3] == ' ') &&
                       k < sizeof(ascii) - 1) {
                        unsigned v = (unsigned) strtoul((char[]) { out[end + 1], out[end + 2], 0 }, NULL, 16);

                        ascii[k++] = v >= 0x20 && v < 0x7f ? (char) v : '.';
                        end += 3;
                }
                ascii[k] = 0;
                out[end] = 0;
                q = realloc(out, end + 2 + k);
                if (!q) {
                        free(out);
                        return NULL;
                }
                strcat(strcat(q, " "), ascii);
                return q;
        }
        /* Cells: drop a last one shorter than its 8 digits. */
        q = strrchr(out, ' ');
        if (q && strlen(q + 1) < 8)
                *q = 0;
        return out;
}

static int pending_flush(Loader *l) {
        Value *v;
        int r = 0;

        if (!l->pending_key)
                return 0;
        if (l->n_pending == 0)
                /* `"key" = ` and nothing (see macroman.h), or a key cut before its value: "". */
                v = value_new_string(l->pending_clipped ? "" : MACROMAN_UNPRINTABLE);
        else
                r = snapshot_parse_format_block(l->pending, l->n_pending, &v);
        if (r == -EBADMSG && l->pending_clipped) {
                /* A cut the block cannot be read through: the value is not known, and marked so. */
                v = value_new_string("$");
                r = v ? 0 : -ENOMEM;
        }
        if (r < 0)
                return fail_at(l, r, "cannot read the formatted value of \"%s\"", l->pending_key);
        r = value_dict_set_take(l->props, l->pending_key, v);
        pending_clear(l);
        return r;
}

/* "-i" shows Super:…:Class: define the chain as shown, and return the class. */
static int define_chain(Registry *reg, char *classes, const char **ret) {
        const char *super = NULL;
        char *save = NULL;

        for (char *c = strtok_r(classes, ":", &save); c; c = strtok_r(NULL, ":", &save)) {
                if (super && !class_table_find(reg->classes, c)) {
                        int r = class_table_define(reg->classes, c, super, NULL);
                        if (r < 0)
                                return r;
                }
                super = c;
                *ret = c;
        }
        return 0;
}

/*
 * "+-o Name class: A:B:C", what `ioreg -i | sed` leaves of an object line
 * (one line per entry: no id, state or properties): the chain is defined
 * as shown; the entry gets the next free ID (Root keeps Root's).
 */
static int parse_chain_line(Loader *l, const char *s, const char *info, unsigned depth) {
        _cleanup_free_ char *head = strndup(s, info - s), *chain = strdup(info + 8);
        SnapshotRecord rec = { .depth = depth };
        char *at;
        int r;

        if (!head || !chain)
                return -ENOMEM;
        if ((at = strrchr(head, '@'))) {
                *at = 0;
                rec.location = at + 1;
        }
        rec.name = head;
        rec.is_service = strstr(chain, "IOService") != NULL;
        r = define_chain(l->builder.registry, chain, &rec.class_name);
        if (r < 0)
                return fail_at(l, r, "cannot define the classes of '%s'", rec.name);
        if (depth == 0 && l->builder.n_records == 0 && streq(rec.name, "Root"))
                rec.id = REGISTRY_ROOT_ID;
        r = snapshot_builder_add(&l->builder, &rec, l->err);
        if (r < 0 && l->err)
                l->err->line = l->line;
        return r;
}

static uint64_t free_id(const Loader *l);

/* An object line clipped before its "  <class": the name as shown (with its '$'), nothing else known. */
static int parse_clipped_name(Loader *l, const char *s, unsigned depth) {
        SnapshotRecord rec = { .depth = depth, .name = s, .class_name = "IORegistryEntry", .id = free_id(l) };
        int r = snapshot_builder_add(&l->builder, &rec, l->err);

        if (r < 0 && l->err)
                l->err->line = l->line;
        return r;
}

/*
 * The last field of a clipped object line, cut anywhere: a state word
 * whose visible part names one word only, a count or time with the digits
 * it shows, an id with the digits it shows completed to the kernel's nine
 * with the lowest ones still free. Whatever else was cut is not known.
 */
static int id_compare(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

static bool id_taken(const Loader *l, uint64_t id) {
        return registry_get_entry(l->builder.registry, id) ||
               (l->n_ids && bsearch(&id, l->ids, l->n_ids, sizeof(*l->ids), id_compare));
}

/* An ID for an entry whose own the clip cut off: the next one free in the registry and the dump. */
static uint64_t free_id(const Loader *l) {
        uint64_t id = l->builder.registry->last_id + 1;

        while (id_taken(l, id))
                id++;
        return id;
}

static void cut_field(const Loader *l, const char *field, SnapshotRecord *rec) {
        static const struct {
                const char *word;
                uint32_t set;
                bool service;
        } words[] = {
                { "registered", ENTRY_STATE_REGISTERED, true }, { "!registered", 0, true },
                { "matched", ENTRY_STATE_MATCHED, false },      { "!matched", 0, false },
                { "inactive", ENTRY_STATE_INACTIVE, false },    { "active", 0, false },
        };
        unsigned long long v;
        const char *p;
        size_t n = strlen(field);
        int len;

        if (n == 0)
                return;
        if (sscanf(field, "id 0x%llx%n", &v, &len) == 1 && (size_t) len == n) {
                for (unsigned digits = n - 5; digits < 9; digits++)
                        v <<= 4;
                while (id_taken(l, v))
                        v++;
                rec->id = v;
                return;
        }
        if (sscanf(field, "busy %llu", &v) == 1) {
                rec->busy = (uint32_t) v;
                if ((p = strchr(field, '(')) && sscanf(p, "(%llu", &v) == 1)
                        rec->busy_time_nsec = v ? v * 1000000ULL : 1;
                else if (field[n - 1] == ' ' || p)
                        rec->busy_time_nsec = 1; /* a time followed, its digits cut */
                return;
        }
        if (sscanf(field, "retain %llu", &v) == 1) {
                rec->retain = (uint32_t) v;
                return;
        }
        /* The one word the visible letters begin ("r" could be "registered" or "retain": neither). */
        size_t found = SIZE_MAX;
        unsigned count = strncmp("id", field, n) == 0 || strncmp("retain", field, n) == 0 ||
                         strncmp("busy", field, n) == 0;

        for (size_t i = 0; i < ELEMENTSOF(words); i++)
                if (strncmp(words[i].word, field, n) == 0) {
                        found = i;
                        count++;
                }
        if (count == 1 && found != SIZE_MAX) {
                rec->state |= words[found].set;
                rec->is_service = rec->is_service || words[found].service;
        }
}

static int parse_object_line(Loader *l, const char *s, unsigned depth) {
        _cleanup_free_ char *head = NULL, *klass = NULL;
        SnapshotRecord rec = { .depth = depth };
        const char *info = strstr(s, "  <class "), *p;
        char *at, *field, *save = NULL;
        size_t n_info;
        int r;

        if (!info && (p = strstr(s, " class: ")))
                return parse_chain_line(l, s, p, depth);
        if (!info && l->clipped)
                return parse_clipped_name(l, s, depth);
        if (!info || (info[strlen(info) - 1] != '>' && !l->clipped))
                return fail_at(l, -EBADMSG, "object line without \"  <class …>\"");
        head = strndup(s, info - s);
        /* A clipped line keeps what it shows: its last, cut field is dropped below. */
        n_info = strlen(info + 9) - (info[strlen(info) - 1] == '>' ? 1 : 0);
        klass = strndup(info + 9, n_info);
        if (!head || !klass)
                return -ENOMEM;
        at = strrchr(head, '@');
        if (at) {
                *at = 0;
                rec.location = at + 1;
        }
        rec.name = head;

        /*
         * "Class, id 0x…[, registered, matched, active, busy N (T ms)], retain N". The class ends at
         * ", id 0x": a class from an archive (IOObjectClass) may hold commas.
         */
        at = strstr(klass, ", id 0x");
        if (at) {
                *at = 0;
                save = at + 1;
                field = klass;
        } else
                field = strtok_r(klass, ",", &save);
        if (!field || !*field) /* "<class >" or "<class ,,>": no class name at all */
                return fail_at(l, -EBADMSG, "object line without a class name");
        rec.class_name = field;
        if (strchr(field, ':')) {
                r = define_chain(l->builder.registry, field, &rec.class_name);
                if (r < 0)
                        return fail_at(l, r, "cannot define the classes of '%s'", rec.name);
        }
        while ((field = strtok_r(NULL, ",", &save))) {
                unsigned long long v, ms;

                while (*field == ' ')
                        field++;
                if (l->clipped && field[0] && field[strlen(field) - 1] == '$') {
                        field[strlen(field) - 1] = 0;
                        cut_field(l, field, &rec);
                        break;
                }
                if (sscanf(field, "id 0x%llx", &v) == 1)
                        rec.id = v;
                else if (streq(field, "registered") || streq(field, "!registered")) {
                        rec.is_service = true;
                        if (*field != '!')
                                rec.state |= ENTRY_STATE_REGISTERED;
                } else if (streq(field, "matched"))
                        rec.state |= ENTRY_STATE_MATCHED;
                else if (streq(field, "inactive"))
                        rec.state |= ENTRY_STATE_INACTIVE;
                else if (streq(field, "!matched") || streq(field, "active"))
                        ;
                else if (sscanf(field, "busy %llu", &v) == 1) {
                        rec.busy = (uint32_t) v;
                        p = strchr(field, '(');
                        /* Apple shows "(0 ms)" for less than a millisecond: keep it non-zero. */
                        if (p && sscanf(p, "(%llu ms)", &ms) == 1)
                                rec.busy_time_nsec = ms ? ms * 1000000ULL : 1;
                } else if (sscanf(field, "retain %llu", &v) == 1 || sscanf(field, "retain count %llu", &v) == 1)
                        rec.retain = (uint32_t) v;
                else
                        return fail_at(l, -EBADMSG, "unknown field '%s'", field);
        }
        if (!rec.id && !l->clipped)
                return fail_at(l, -EBADMSG, "object line without an id");
        if (!rec.id && depth == 0 && l->builder.n_records == 0 && streq(rec.name, "Root"))
                rec.id = REGISTRY_ROOT_ID;
        else if (!rec.id)
                rec.id = free_id(l);
        r = snapshot_builder_add(&l->builder, &rec, l->err);
        if (r < 0 && l->err)
                l->err->line = l->line;
        return r;
}

/* Counts the "| " / "  " columns before "+-o ", or returns -1 for another line. */
static int object_depth(const char *s) {
        unsigned d = 0;

        for (;; s += 2, d++) {
                if (strncmp(s, "+-o ", 4) == 0)
                        return (int) d;
                if (!((s[0] == '|' || s[0] == ' ') && s[1] == ' '))
                        return -1;
        }
}

static int parse_property_line(Loader *l, const char *s) {
        const char *sep;
        Value *v;
        int r;

        if (strncmp(s, "  \"", 3) != 0)
                return fail_at(l, -EBADMSG, "expected a property");
        /* The key ends at the first '" = ' (keys never hold one in practice). */
        sep = strstr(s + 3, "\" = ");
        if (!sep) {
                size_t n = strlen(s);

                /* -f: `"key" = ` with its value on the lines below. */
                if (n < 6 || strcmp(s + n - 3, "\" =") != 0)
                        return fail_at(l, -EBADMSG, "property without ' = '");
                sep = s + n - 3;
        }
        _cleanup_free_ char *key = NULL;
        r = macroman_to_utf8(s + 3, sep - (s + 3), &key);
        if (r < 0)
                return r;
        if (sep[3] == 0 || sep[4] == 0) {
                l->pending_key = TAKE_PTR(key);
                return 0;
        }
        sep += 4;
        /* A top-level string runs to the end of the line, whatever quotes it holds. */
        if (sep[0] == '"' && strlen(sep) >= 2 && sep[strlen(sep) - 1] == '"')
                v = snapshot_string_from_dump(sep + 1, strlen(sep) - 2);
        else {
                r = snapshot_parse_value_n(sep, strlen(sep), &v);
                if (r < 0)
                        return fail_at(l, r, "cannot read the value of \"%s\"", key);
                if (!v)
                        return 0;
        }
        return value_dict_set_take(l->props, key, v);
}

/*
 * A property line clipped at the terminal's width (its last byte is the
 * '$'): the key and as much of the value as shows (snapshot-clip.c); a key
 * cut before its " = " keeps the '$' and gets the value "".
 */
static int parse_clipped_property(Loader *l, const char *s) {
        _cleanup_free_ char *key = NULL;
        size_t n = strlen(s) - 1;
        const char *sep;
        Value *v;
        int r;

        if (strncmp(s, "  \"", 3) != 0)
                return strspn(s, " ") == n ? 0 : fail_at(l, -EBADMSG, "expected a property"); /* cut before its key */
        sep = strstr(s + 3, "\" = ");
        if (!sep && n >= 6 && strncmp(s + n - 3, "\" =", 3) == 0) {
                /* -f's `"key" = ` cut at its last space: the value follows on the lines below. */
                r = macroman_to_utf8(s + 3, n - 3 - 3, &key);
                if (r < 0)
                        return r;
                l->pending_key = TAKE_PTR(key);
                return 0;
        }
        r = macroman_to_utf8(s + 3, sep ? (size_t) (sep - (s + 3)) : n + 1 - 3, &key);
        if (r < 0)
                return r;
        if (!sep) {
                /* Its value is not shown; a -f block below it (indented lines) is read as its value. */
                l->pending_key = TAKE_PTR(key);
                l->pending_clipped = true;
                return 0;
        }
        r = snapshot_parse_clipped_value(sep + 4, s + n - (sep + 4), &v);
        if (r < 0)
                return r;
        return value_dict_set_take(l->props, key, v);
}

static int end_properties(Loader *l) {
        SnapshotBuilder *b = &l->builder;
        Entry *e = b->stack[b->n_stack - 1];
        int r;

        r = pending_flush(l);
        if (r < 0)
                return r;
        /* The dump's order is the order ioreg prints: take the block as it is. */
        r = entry_set_properties(e, l->props);
        l->props = value_unref(l->props);
        return r;
}

static int parse_property_line(Loader *l, const char *s);

/*
 * Without a width ioreg prints a string's newlines as they are: the lines
 * after an unclosed top-level string belong to it, up to one ending in '"'.
 */
static bool string_is_open(const char *s) {
        const char *v = strstr(s, "\" = \"");
        size_t n;

        if (!v || strncmp(s, "  \"", 3) != 0)
                return false;
        v += 4;
        n = strlen(v);
        return n < 2 || v[n - 1] != '"';
}

static int continue_open_line(Loader *l, const char *s) {
        size_t a = strlen(l->open_line), b = strlen(s);
        char *joined = realloc(l->open_line, a + 1 + b + 1);

        if (!joined)
                return -ENOMEM;
        joined[a] = '\n';
        memcpy(joined + a + 1, s, b + 1);
        l->open_line = joined;
        if (b == 0 || s[b - 1] != '"')
                return 0;
        joined = TAKE_PTR(l->open_line);
        int r = parse_property_line(l, joined);
        free(joined);
        return r;
}

static int parse_line(Loader *l, const char *s) {
        int d;
        size_t skip;

        l->clipped = l->clip_width > 0 && strlen(s) == l->clip_width && s[l->clip_width - 1] == '$';
        if (l->trailing)
                return 0;
        if (l->open_line)
                return continue_open_line(l, s);
        d = object_depth(s);

        if (d < 0 && l->clipped && l->have_node && !l->open_line && !l->pending_key &&
            strncmp("+-o", s + strspn(s, " |"), strlen(s) - 1 - strspn(s, " |")) == 0 &&
            strlen(s) - 1 - strspn(s, " |") <= 3) {
                /*
                 * Cut inside the tree's columns: an object line whose "+-o" did not fit (its entry is
                 * lost, and what is below it, deeper still), or a property line of such an entry.
                 */
                l->lost = true;
                l->props = value_unref(l->props);
                return 0;
        }
        if (d < 0 && l->lost)
                return 0;
        /* A clipped dump from one printed without a width: the rest of a cut string's lines. */
        if (d < 0 && l->clip_width > 0 && l->props && *s != ' ' && *s != '|')
                return 0;
        if (d >= 0) {
                if (l->props)
                        return fail_at(l, -EBADMSG, "object line inside a property block");
                l->lost = false;
                l->have_node = true;
                l->depth = (unsigned) d;
                return parse_object_line(l, s + 2 * d + 4, (unsigned) d);
        }
        /* A shell prompt and the command before the dump, or a prompt after it, are not the dump's. */
        if (!l->have_node)
                return 0;
        if (!l->props && *s && *s != ' ' && *s != '|') {
                l->trailing = true;
                return 0;
        }
        /* Property lines are indented by the node's columns and two more. */
        skip = 2 * (l->depth + 2);
        if (strlen(s) <= skip) {
                for (const char *q = s; *q; q++)
                        if (*q != ' ' && *q != '|' && !(l->clipped && q[1] == 0))
                                return fail_at(l, -EBADMSG, "unexpected text");
                return 0; /* the blank line after a block, or between -r subtrees; or cut before its text */
        }
        s += skip;
        if (!l->props) {
                if (!streq(s, "{"))
                        return fail_at(l, -EBADMSG, "expected '{'");
                l->props = value_new_dictionary();
                return l->props ? 0 : -ENOMEM;
        }
        if (streq(s, "}"))
                return end_properties(l);
        if (l->pending_key && strncmp(s, "    ", 4) == 0) {
                int r = GROW(l->pending, l->cap_pending, l->n_pending + 1);
                if (r < 0)
                        return r;
                l->pending_clipped = l->pending_clipped || l->clipped;
                l->pending[l->n_pending] = l->clipped ? clipped_block_line(s) : strdup(s);
                if (!l->pending[l->n_pending])
                        return -ENOMEM;
                l->n_pending++;
                return 0;
        }
        int r = pending_flush(l);
        if (r < 0)
                return r;
        if (l->clipped)
                return parse_clipped_property(l, s);
        if (string_is_open(s)) {
                l->open_line = strdup(s);
                return l->open_line ? 0 : -ENOMEM;
        }
        return parse_property_line(l, s);
}

/*
 * The width a dump printed to a terminal was clipped at: ioreg cuts a
 * longer line to width - 1 columns and a '$'. The longest lines ending in
 * '$', when there are at least two (one could be a value's own '$'); else
 * 0. A shell prompt around the dump is not ioreg's and may be longer.
 */
/* object_depth() for a line of k bytes that need not end in a NUL. */
static bool is_object_line(const char *p, size_t k) {
        size_t i = 0;

        while (i + 2 <= k && (p[i] == '|' || p[i] == ' ') && p[i + 1] == ' ')
                i += 2;
        return i + 4 <= k && memcmp(p + i, "+-o ", 4) == 0;
}

static size_t clip_width(const char *text, size_t len) {
        const char *p = text, *end = text + len;
        size_t width = 0, longest = 0;
        unsigned n = 0;
        bool tree = false;

        while (p < end) {
                const char *nl = memchr(p, '\n', end - p) ?: end;
                size_t k = nl - p - (nl > p && nl[-1] == '\r');

                /* From the first object line on, the dump's own lines (a prompt after it may be longer). */
                tree = tree || is_object_line(p, k);
                if (tree && k > 0 && (*p == ' ' || *p == '|' || *p == '+') && k > longest)
                        longest = k;
                if (k > 0 && p[k - 1] == '$') {
                        if (k > width) {
                                width = k;
                                n = 0;
                        }
                        if (k == width)
                                n++;
                }
                p = nl + 1;
        }
        /* A dump printed without a width has longer lines than the ones that end in '$'. */
        return n >= 2 && longest <= width ? width : 0;
}

/* Every "id 0x…" that the clip left whole (followed by ',' or '>'), sorted. */
static int whole_ids(const char *text, size_t len, uint64_t **ret, size_t *ret_n) {
        const char *p = text, *end = text + len;
        uint64_t *ids = NULL;
        unsigned n = 0, cap = 0;

        while ((p = memmem(p, end - p, ", id 0x", 7))) {
                uint64_t v = 0;
                const char *q = p + 7;

                for (; q < end && isxdigit((unsigned char) *q) && q - p < 7 + 16; q++)
                        v = v << 4 | (uint64_t) (isdigit((unsigned char) *q) ? *q - '0' : (*q | 0x20) - 'a' + 10);
                if (q < end && (*q == ',' || *q == '>')) {
                        if (GROW(ids, cap, n + 1) < 0) {
                                free(ids);
                                return -ENOMEM;
                        }
                        ids[n++] = v;
                }
                p = q;
        }
        if (n > 1)
                qsort(ids, n, sizeof(*ids), id_compare);
        *ret = ids;
        *ret_n = n;
        return 0;
}

int snapshot_load_text(Registry *reg, const Plane *plane, const char *text, size_t len, SnapshotError *err) {
        _cleanup_free_ char *line = NULL;
        Loader l = { .err = err, .clip_width = clip_width(text, len) };
        const char *p = text, *end = text + len;
        int r = 0;

        if (l.clip_width > 0 && whole_ids(text, len, &l.ids, &l.n_ids) < 0)
                return -ENOMEM;

        snapshot_builder_init(&l.builder, reg, plane);
        while (p < end && r >= 0) {
                const char *nl = memchr(p, '\n', end - p) ?: end;
                size_t n = nl - p;

                l.line++;
                /* A NUL would end the line early: no dump holds one, and what follows would be lost. */
                if (memchr(p, 0, n)) {
                        r = fail_at(&l, -EBADMSG, "NUL byte in the text");
                        break;
                }
                free(line);
                line = strndup(p, n);
                if (!line) {
                        r = -ENOMEM;
                        break;
                }
                if (n > 0 && line[n - 1] == '\r')
                        line[n - 1] = 0;
                r = parse_line(&l, line);
                p = nl + 1;
        }
        if (r >= 0 && (l.props || l.open_line))
                r = fail_at(&l, -EBADMSG, "property block not closed");
        free(l.open_line);
        if (r >= 0 && !l.have_node)
                r = fail_at(&l, -EBADMSG, "no object lines");
        pending_clear(&l);
        free(l.pending);
        free(l.ids);
        value_unref(l.props);
        snapshot_builder_done(&l.builder);
        return r;
}
