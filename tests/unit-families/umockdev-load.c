/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* umockdev-load.c: see umockdev-load.h. */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "umockdev-load.h"

typedef struct KeyValue {
        char *key;    /* owned */
        char *value;  /* owned; for binary attributes the bytes */
        size_t len;   /* binary attributes */
        bool link;    /* an L: attribute */
        bool binary;  /* an H: attribute */
} KeyValue;

struct UmockdevDevice {
        DeviceRecord record;  /* record.userdata points back here */
        char *syspath;        /* owned */
        KeyValue *attrs;      /* owned */
        unsigned n_attrs, cap_attrs;
        KeyValue *props;      /* owned */
        unsigned n_props, cap_props;
        char *driver_owned;   /* owned */
        char **links;         /* owned strv: resolved link targets handed out by get_link() */
        unsigned n_links, cap_links;
};

static void key_values_free(KeyValue *kv, unsigned n) {
        for (unsigned i = 0; i < n; i++) {
                free(kv[i].key);
                free(kv[i].value);
        }
        free(kv);
}

static UmockdevDevice *device_free(UmockdevDevice *u) {
        if (!u)
                return NULL;
        free(u->syspath);
        key_values_free(u->attrs, u->n_attrs);
        key_values_free(u->props, u->n_props);
        free(u->driver_owned);
        for (unsigned i = 0; i < u->n_links; i++)
                free(u->links[i]);
        free(u->links);
        free(u);
        return NULL;
}

UmockdevRecording *umockdev_free(UmockdevRecording *r) {
        if (!r)
                return NULL;
        for (size_t i = 0; i < r->n_devices; i++)
                device_free(r->devices[i]);
        free(r->devices);
        free(r);
        return NULL;
}

static const KeyValue *find_kv(const KeyValue *kv, unsigned n, const char *key) {
        for (unsigned i = 0; i < n; i++)
                if (streq(kv[i].key, key))
                        return &kv[i];
        return NULL;
}

static const char *get_attr(const DeviceRecord *d, const char *name) {
        const UmockdevDevice *u = d->userdata;
        const KeyValue *kv = find_kv(u->attrs, u->n_attrs, name);

        if (!kv || kv->binary)
                return NULL;
        if (kv->link) {
                const char *slash = strrchr(kv->value, '/');

                return slash ? slash + 1 : kv->value;
        }
        return kv->value;
}

static const char *get_property(const DeviceRecord *d, const char *key) {
        const UmockdevDevice *u = d->userdata;
        const KeyValue *kv = find_kv(u->props, u->n_props, key);

        return kv ? kv->value : NULL;
}

static int foreach_property(const DeviceRecord *d, int (*fn)(const char *key, const char *value, void *ud),
                            void *ud) {
        const UmockdevDevice *u = d->userdata;
        int r;

        for (unsigned i = 0; i < u->n_props; i++) {
                r = fn(u->props[i].key, u->props[i].value, ud);
                if (r < 0)
                        return r;
        }
        return 0;
}

static ssize_t read_attr_binary(const DeviceRecord *d, const char *name, void *buf, size_t size) {
        const UmockdevDevice *u = d->userdata;
        const KeyValue *kv = find_kv(u->attrs, u->n_attrs, name);
        size_t n;

        if (!kv || kv->link)
                return -ENOENT;
        n = kv->binary ? kv->len : strlen(kv->value);
        if (n > size)
                n = size;
        memcpy(buf, kv->value, n);
        return (ssize_t) n;
}

/* An L: attribute's target, resolved against the device's directory as the kernel's link is. */
static const char *get_link(const DeviceRecord *d, const char *name) {
        UmockdevDevice *u = d->userdata;
        const KeyValue *kv = find_kv(u->attrs, u->n_attrs, name);
        char *resolved;

        if (!kv || !kv->link)
                return NULL;
        if (GROW(u->links, u->cap_links, u->n_links + 1) < 0)
                return NULL;
        if (device_record_resolve_link(u->syspath, kv->value, &resolved) < 0)
                return NULL;
        u->links[u->n_links++] = resolved;
        return resolved;
}

/* g_strcompress(): \b \f \n \r \t \v \\ \" and octal \NNN. */
static char *unescape(const char *s) {
        char *out = malloc(strlen(s) + 1), *o = out;

        if (!out)
                return NULL;
        while (*s) {
                if (*s != '\\' || !s[1]) {
                        *o++ = *s++;
                        continue;
                }
                s++;
                if (*s >= '0' && *s <= '7') {
                        unsigned v = 0;

                        for (int i = 0; i < 3 && *s >= '0' && *s <= '7'; i++)
                                v = v * 8 + (unsigned) (*s++ - '0');
                        *o++ = (char) v;
                        continue;
                }
                switch (*s) {
                case 'b': *o++ = '\b'; break;
                case 'f': *o++ = '\f'; break;
                case 'n': *o++ = '\n'; break;
                case 'r': *o++ = '\r'; break;
                case 't': *o++ = '\t'; break;
                case 'v': *o++ = '\v'; break;
                default: *o++ = *s; break;
                }
                s++;
        }
        *o = '\0';
        /* get_attr() strips trailing whitespace, as the udev source does. */
        while (o > out && isspace((unsigned char) o[-1]))
                *--o = '\0';
        return out;
}

static int hex_value(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        c = (char) tolower((unsigned char) c);
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int parse_hex(const char *s, char **ret, size_t *ret_len) {
        size_t n = strlen(s);
        char *bytes;

        if (n % 2)
                return -EBADMSG;
        bytes = malloc(n / 2 + 1);
        if (!bytes)
                return -ENOMEM;
        for (size_t i = 0; i < n / 2; i++) {
                int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);

                if (hi < 0 || lo < 0) {
                        free(bytes);
                        return -EBADMSG;
                }
                bytes[i] = (char) (hi << 4 | lo);
        }
        bytes[n / 2] = '\0';
        *ret = bytes;
        *ret_len = n / 2;
        return 0;
}

static int add_kv(KeyValue **array, unsigned *n, unsigned *cap, const char *line, char type) {
        const char *eq = strchr(line, '=');
        KeyValue kv = { .link = type == 'L', .binary = type == 'H' };
        int r;

        if (!eq || eq == line)
                return -EBADMSG;
        if (GROW(*array, *cap, *n + 1) < 0)
                return -ENOMEM;
        kv.key = strndup(line, eq - line);
        if (!kv.key)
                return -ENOMEM;
        if (type == 'H')
                r = parse_hex(eq + 1, &kv.value, &kv.len);
        else {
                kv.value = type == 'A' ? unescape(eq + 1) : strdup(eq + 1);
                r = kv.value ? 0 : -ENOMEM;
        }
        if (r < 0) {
                free(kv.key);
                return r;
        }
        (*array)[(*n)++] = kv;
        return 0;
}

static int device_new(const char *devpath, UmockdevDevice **ret) {
        UmockdevDevice *u = calloc(1, sizeof(*u));

        if (!u)
                return -ENOMEM;
        if (asprintf(&u->syspath, "/sys%s", devpath) < 0) {
                free(u);
                return -ENOMEM;
        }
        *ret = u;
        return 0;
}

/* Fills the record once the device's lines are all read. */
static int device_finish(UmockdevDevice *u) {
        DeviceRecord *d = &u->record;
        const char *major, *minor;

        d->syspath = u->syspath;
        d->devpath = u->syspath + strlen("/sys");
        d->sysname = strrchr(d->devpath, '/') + 1;
        d->get_attr = get_attr;
        d->get_property = get_property;
        d->foreach_property = foreach_property;
        d->read_attr_binary = read_attr_binary;
        d->get_link = get_link;
        d->userdata = u;
        d->subsystem = get_property(d, "SUBSYSTEM");
        d->devtype = get_property(d, "DEVTYPE");
        d->modalias = get_property(d, "MODALIAS");
        d->devname = get_property(d, "DEVNAME");
        d->driver = get_property(d, "DRIVER");
        if (!d->driver) {
                const KeyValue *kv = find_kv(u->attrs, u->n_attrs, "driver");

                if (kv && kv->link) {
                        const char *slash = strrchr(kv->value, '/');

                        u->driver_owned = strdup(slash ? slash + 1 : kv->value);
                        if (!u->driver_owned)
                                return -ENOMEM;
                        d->driver = u->driver_owned;
                }
        }
        major = get_property(d, "MAJOR");
        minor = get_property(d, "MINOR");
        if (major && minor) {
                d->major = (unsigned) strtoul(major, NULL, 10);
                d->minor = (unsigned) strtoul(minor, NULL, 10);
        }
        return 0;
}

static bool is_path_prefix(const char *prefix, const char *path) {
        size_t n = strlen(prefix);

        return strncmp(prefix, path, n) == 0 && path[n] == '/';
}

static void link_parents(UmockdevRecording *rec) {
        for (size_t i = 0; i < rec->n_devices; i++) {
                DeviceRecord *d = &rec->devices[i]->record;
                const DeviceRecord *best = NULL;

                for (size_t j = 0; j < rec->n_devices; j++) {
                        const DeviceRecord *p = &rec->devices[j]->record;

                        if (j != i && is_path_prefix(p->devpath, d->devpath) &&
                            (!best || strlen(p->devpath) > strlen(best->devpath)))
                                best = p;
                }
                d->parent = best;
        }
}

int umockdev_load(const char *path, UmockdevRecording **ret) {
        _cleanup_(umockdev_freep) UmockdevRecording *rec = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        UmockdevDevice *cur = NULL;
        size_t cap = 0, cap_devices = 0;
        unsigned lineno = 0;
        ssize_t len;
        int r;

        f = fopen(path, "re");
        if (!f)
                return -errno;
        rec = calloc(1, sizeof(*rec));
        if (!rec)
                return -ENOMEM;

        while ((len = getline(&line, &cap, f)) >= 0) {
                lineno++;
                while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                        line[--len] = '\0';
                if (len == 0)
                        continue;
                if (len < 3 || line[1] != ':' || line[2] != ' ') {
                        fprintf(stderr, "%s:%u: not a umockdev line\n", path, lineno);
                        return -EBADMSG;
                }
                if (line[0] == 'P') {
                        if (cur) {
                                r = device_finish(cur);
                                if (r < 0)
                                        return r;
                        }
                        if (rec->n_devices == cap_devices) {
                                size_t n = cap_devices ? cap_devices * 2 : 8;
                                UmockdevDevice **p = realloc(rec->devices, n * sizeof(*p));

                                if (!p)
                                        return -ENOMEM;
                                rec->devices = p;
                                cap_devices = n;
                        }
                        r = device_new(line + 3, &cur);
                        if (r < 0)
                                return r;
                        rec->devices[rec->n_devices++] = cur;
                        continue;
                }
                if (!cur) {
                        fprintf(stderr, "%s:%u: a line before the first P:\n", path, lineno);
                        return -EBADMSG;
                }
                switch (line[0]) {
                case 'E':
                        r = add_kv(&cur->props, &cur->n_props, &cur->cap_props, line + 3, 'E');
                        break;
                case 'A':
                case 'H':
                case 'L':
                        r = add_kv(&cur->attrs, &cur->n_attrs, &cur->cap_attrs, line + 3, line[0]);
                        break;
                case 'N':
                case 'S':
                        r = 0; /* E:DEVNAME carries the node; symlinks do not matter here */
                        break;
                default:
                        r = -EBADMSG;
                        break;
                }
                if (r == -EBADMSG)
                        fprintf(stderr, "%s:%u: cannot read this line\n", path, lineno);
                if (r < 0)
                        return r;
        }
        if (cur) {
                r = device_finish(cur);
                if (r < 0)
                        return r;
        }
        link_parents(rec);
        *ret = TAKE_PTR(rec);
        return 0;
}

const DeviceRecord *umockdev_find(const UmockdevRecording *r, const char *sysname) {
        for (size_t i = 0; i < r->n_devices; i++)
                if (streq(r->devices[i]->record.sysname, sysname))
                        return &r->devices[i]->record;
        return NULL;
}

const DeviceRecord *umockdev_device(const UmockdevRecording *r, size_t i) {
        return i < r->n_devices ? &r->devices[i]->record : NULL;
}
