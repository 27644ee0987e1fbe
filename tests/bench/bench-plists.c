/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-plists.c: see bench-plists.h. */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <plist/plist.h>

#include "bench-plists.h"

#define MAX_FILE_SIZE (16u * 1024u * 1024u)

static void closedirp(DIR **d) {
        if (*d)
                (void) closedir(*d);
}

static void plist_freep(plist_t *p) {
        if (*p)
                plist_free(*p);
}

static Value *value_from_plist(plist_t node);

static Value *dict_from_plist(plist_t node) {
        _cleanup_value_ Value *d = value_new_dictionary();
        plist_dict_iter it = NULL;

        if (!d)
                return NULL;
        plist_dict_new_iter(node, &it);
        for (;;) {
                char *key = NULL;
                plist_t item = NULL;
                Value *v;

                plist_dict_next_item(node, it, &key, &item);
                if (!key)
                        break;
                v = value_from_plist(item);
                if (v && value_dict_set_take(d, key, v) < 0) {
                        free(key);
                        free(it);
                        return NULL;
                }
                free(key); /* a key of a type without a value is left out */
        }
        free(it);
        return TAKE_PTR(d);
}

static Value *array_from_plist(plist_t node) {
        _cleanup_value_ Value *a = value_new_array();
        uint32_t n = plist_array_get_size(node);

        if (!a)
                return NULL;
        for (uint32_t i = 0; i < n; i++) {
                Value *v = value_from_plist(plist_array_get_item(node, i));

                if (v && value_array_append_take(a, v) < 0)
                        return NULL;
        }
        return TAKE_PTR(a);
}

/* A new value, or NULL for types the registry has no value for (and on ENOMEM). */
static Value *value_from_plist(plist_t node) {
        switch (plist_get_node_type(node)) {
        case PLIST_DICT:
                return dict_from_plist(node);
        case PLIST_ARRAY:
                return array_from_plist(node);
        case PLIST_STRING: {
                _cleanup_free_ char *s = NULL;

                plist_get_string_val(node, &s);
                return s ? value_new_string(s) : NULL;
        }
        case PLIST_UINT: {
                uint64_t u = 0;

                plist_get_uint_val(node, &u);
                return u > INT64_MAX ? value_new_signed((int64_t) u, 64) : value_new_unsigned(u, 64);
        }
        case PLIST_BOOLEAN: {
                uint8_t b = 0;

                plist_get_bool_val(node, &b);
                return value_new_boolean(b);
        }
        case PLIST_DATA: {
                _cleanup_free_ char *p = NULL;
                uint64_t len = 0;

                plist_get_data_val(node, &p, &len);
                return value_new_data(p ? p : "", (size_t) len);
        }
        default:
                return NULL;
        }
}

static int read_file(const char *path, char **ret, uint32_t *ret_len) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t n;

        if (!f)
                return -errno;
        if (fstat(fileno(f), &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (uint64_t) st.st_size > MAX_FILE_SIZE)
                return -EINVAL;
        buf = malloc((size_t) st.st_size);
        if (!buf)
                return -ENOMEM;
        n = fread(buf, 1, (size_t) st.st_size, f);
        if (n != (size_t) st.st_size)
                return -EIO;
        *ret = TAKE_PTR(buf);
        *ret_len = (uint32_t) n;
        return 0;
}

static const char *dict_string(plist_t dict, const char *key, char **buf) {
        plist_t node = plist_dict_get_item(dict, key);

        if (!node || plist_get_node_type(node) != PLIST_STRING)
                return NULL;
        plist_get_string_val(node, buf);
        return *buf;
}

static int load_file(const char *path, PersonalityList *list, PlistLoadStats *stats) {
        _cleanup_(plist_freep) plist_t root = NULL;
        _cleanup_free_ char *buf = NULL, *file_bundle = NULL;
        plist_t personalities;
        plist_dict_iter it = NULL;
        uint32_t len = 0;
        int r;

        r = read_file(path, &buf, &len);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                fprintf(stderr, "bench-match: %s: %s, skipped\n", path, strerror(-r));
                stats->n_errors++;
                return 0;
        }
        stats->n_files++;
        plist_from_memory(buf, len, &root);
        if (!root || plist_get_node_type(root) != PLIST_DICT) {
                fprintf(stderr, "bench-match: %s: not a property list, skipped\n", path);
                stats->n_errors++;
                return 0;
        }
        (void) dict_string(root, "CFBundleIdentifier", &file_bundle);
        personalities = plist_dict_get_item(root, "IOKitPersonalities");
        if (!personalities || plist_get_node_type(personalities) != PLIST_DICT)
                return 0;

        plist_dict_new_iter(personalities, &it);
        for (r = 0; r >= 0;) {
                _cleanup_free_ char *name = NULL, *bundle = NULL;
                plist_t node = NULL;
                Personality *p = NULL;
                Value *dict;

                plist_dict_next_item(personalities, it, &name, &node);
                if (!name)
                        break;
                if (plist_get_node_type(node) != PLIST_DICT) {
                        fprintf(stderr, "bench-match: %s: personality '%s' is not a dictionary, skipped\n", path,
                                name);
                        stats->n_errors++;
                        continue;
                }
                (void) dict_string(node, "CFBundleIdentifier", &bundle);
                dict = dict_from_plist(node);
                if (!dict) {
                        r = -ENOMEM;
                        break;
                }
                r = personality_new(name, bundle ?: file_bundle ?: "unknown", path, dict, &p);
                if (r >= 0)
                        r = personality_list_append_take(list, p);
                if (r >= 0)
                        stats->n_personalities++;
        }
        free(it);
        return r < 0 ? r : 0;
}

static int name_compare(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int bench_plists_load_dir(const char *dir, PersonalityList *list, PlistLoadStats *stats) {
        _cleanup_(closedirp) DIR *d = opendir(dir);
        _cleanup_free_ char **names = NULL;
        unsigned n = 0, cap = 0;
        struct dirent *de;
        int r = 0;

        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || !strstr(de->d_name, ".plist"))
                        continue;
                if (GROW(names, cap, n + 1) < 0) {
                        r = -ENOMEM;
                        break;
                }
                names[n] = strdup(de->d_name);
                if (!names[n]) {
                        r = -ENOMEM;
                        break;
                }
                n++;
        }
        if (r >= 0)
                qsort(names, n, sizeof(*names), name_compare);
        for (unsigned i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;

                if (r >= 0 && asprintf(&path, "%s/%s", dir, names[i]) < 0)
                        r = -ENOMEM;
                if (r >= 0)
                        r = load_file(path, list, stats);
                free(names[i]);
        }
        return r;
}
