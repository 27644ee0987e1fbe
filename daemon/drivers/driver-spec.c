/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* driver-spec.c: see driver-spec.h. */

#include <errno.h>
#include <limits.h>
#include <plist/plist.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver-spec.h"
#include "protocol.h"

void driver_spec_done(DriverSpec *s) {
        free(s->server_name);
        free(s->executable);
        strv_free(s->argv);
        strv_free(s->env);
        free(s->user);
        free(s->group);
        *s = (DriverSpec) {};
}

static int strv_copy(char *const *l, char ***ret) {
        _cleanup_strv_free_ char **c = NULL;
        size_t n = 0;

        while (l && l[n])
                n++;
        c = calloc(n + 1, sizeof(char *));
        if (!c)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (!(c[i] = strdup(l[i])))
                        return -ENOMEM;
        *ret = TAKE_PTR(c);
        return 0;
}

static bool strv_equal(char *const *a, char *const *b) {
        size_t i = 0;

        for (; a && b && a[i] && b[i]; i++)
                if (!streq(a[i], b[i]))
                        return false;
        return (!a || !a[i]) && (!b || !b[i]);
}

int driver_spec_copy(const DriverSpec *s, DriverSpec *ret) {
        _cleanup_(driver_spec_done) DriverSpec c = { .restart = s->restart };

        if (!(c.server_name = strdup(s->server_name)) || !(c.executable = strdup(s->executable)) ||
            (s->user && !(c.user = strdup(s->user))) || (s->group && !(c.group = strdup(s->group))) ||
            strv_copy(s->argv, &c.argv) < 0 || strv_copy(s->env, &c.env) < 0)
                return -ENOMEM;
        *ret = c;
        c = (DriverSpec) {};
        return 0;
}

bool driver_spec_equal(const DriverSpec *a, const DriverSpec *b) {
        return streq(a->server_name, b->server_name) && streq(a->executable, b->executable) &&
               strv_equal(a->argv, b->argv) && strv_equal(a->env, b->env) && streq_ptr(a->user, b->user) &&
               streq_ptr(a->group, b->group) && a->restart == b->restart;
}

static bool ends_with(const char *s, const char *suffix) {
        size_t a = strlen(s), b = strlen(suffix);

        return a >= b && streq(s + a - b, suffix);
}

char *driver_spec_bundle_of(const Personality *p) {
        static const char *const tails[] = { ".dext/Contents/Info.plist", ".dext/Info.plist" };

        if (!p->source)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(tails); i++)
                if (ends_with(p->source, tails[i]))
                        return strndup(p->source, strlen(p->source) - strlen(tails[i]) + strlen(".dext"));
        return NULL;
}

bool driver_spec_wanted(const Personality *p) {
        _cleanup_free_ char *bundle = NULL;

        if (!personality_get_string(p, "IOUserServerName"))
                return false;
        if (value_dict_get(p->dict, "IOUserServerExecutable"))
                return true;
        bundle = driver_spec_bundle_of(p);
        return bundle != NULL;
}

static int strv_push(char ***l, size_t *n, char *s) {
        char **nl;

        if (!s)
                return -ENOMEM;
        nl = realloc(*l, (*n + 2) * sizeof(char *));
        if (!nl) {
                free(s);
                return -ENOMEM;
        }
        *l = nl;
        nl[(*n)++] = s;
        nl[*n] = NULL;
        return 0;
}

static bool is_executable_file(const char *path) {
        return access(path, X_OK) == 0;
}

/* CFBundleExecutable from the bundle's Info.plist, or NULL. */
static char *bundle_executable(const char *info_plist) {
        _cleanup_fclose_ FILE *f = fopen(info_plist, "re");
        _cleanup_free_ char *buf = NULL;
        plist_t root = NULL, node;
        char *name = NULL;
        size_t len = 0;
        long size;

        if (!f || fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) <= 0 || size > (1 << 24) ||
            fseek(f, 0, SEEK_SET) < 0)
                return NULL;
        buf = malloc(size);
        if (!buf || (len = fread(buf, 1, size, f)) != (size_t) size)
                return NULL;
        plist_from_memory(buf, (uint32_t) len, &root);
        if (!root)
                return NULL;
        node = plist_get_node_type(root) == PLIST_DICT ? plist_dict_get_item(root, "CFBundleExecutable") : NULL;
        if (node && plist_get_node_type(node) == PLIST_STRING)
                plist_get_string_val(node, &name);
        plist_free(root);
        /* A name, not a path: a bundle names a file inside itself. */
        if (name && (!*name || strchr(name, '/'))) {
                free(name);
                name = NULL;
        }
        return name;
}

static int resolve_executable(const Personality *p, const char *key_value, char *const *search_path,
                              char **ret, const char **ret_why) {
        _cleanup_free_ char *path = NULL, *bundle = NULL, *name = NULL;

        if (key_value) {
                if (!*key_value) {
                        *ret_why = "IOUserServerExecutable is empty";
                        return -EINVAL;
                }
                if (key_value[0] == '/')
                        path = strdup(key_value);
                else if (strchr(key_value, '/')) {
                        const char *slash = p->source ? strrchr(p->source, '/') : NULL;

                        if (!slash) {
                                if (asprintf(&path, "./%s", key_value) < 0)
                                        path = NULL;
                        } else if (asprintf(&path, "%.*s/%s", (int) (slash - p->source), p->source,
                                            key_value) < 0)
                                path = NULL;
                } else {
                        for (char *const *d = search_path; d && *d; d++) {
                                free(path);
                                if (asprintf(&path, "%s/%s", *d, key_value) < 0)
                                        return -ENOMEM;
                                if (is_executable_file(path))
                                        break;
                                free(path);
                                path = NULL;
                        }
                        if (!path) {
                                *ret_why = "IOUserServerExecutable not found in the driver path";
                                return -ENOENT;
                        }
                }
                if (!path)
                        return -ENOMEM;
        } else {
                bundle = driver_spec_bundle_of(p);
                if (!bundle) {
                        *ret_why = "no IOUserServerExecutable and not in a .dext bundle";
                        return -ENOENT;
                }
                name = bundle_executable(p->source);
                if (!name) {
                        *ret_why = "the bundle's Info.plist has no CFBundleExecutable name";
                        return -ENOENT;
                }
                /* Deep bundles (macOS) keep it in Contents/MacOS, shallow ones at the top. */
                if (ends_with(p->source, "/Contents/Info.plist")) {
                        if (asprintf(&path, "%s/Contents/MacOS/%s", bundle, name) < 0)
                                return -ENOMEM;
                } else if (asprintf(&path, "%s/%s", bundle, name) < 0)
                        return -ENOMEM;
        }
        if (!is_executable_file(path)) {
                *ret_why = "the server's executable is missing or not executable";
                return -ENOENT;
        }
        /* Absolute, so that the log and the credentials name one file whatever our cwd. */
        if (path[0] != '/') {
                char *abs = realpath(path, NULL);

                if (!abs)
                        return -errno;
                free(path);
                path = abs;
        }
        *ret = TAKE_PTR(path);
        return 0;
}

static const char *optional_string(const Personality *p, const char *key, bool *bad) {
        Value *v = value_dict_get(p->dict, key);

        if (!v)
                return NULL;
        if (value_type(v) != VALUE_STRING) {
                *bad = true;
                return NULL;
        }
        return value_string(v, NULL);
}

int driver_spec_from_personality(const Personality *p, char *const *search_path, DriverSpec *ret,
                                 const char **ret_why) {
        _cleanup_(driver_spec_done) DriverSpec s = {};
        const char *name, *exe, *user, *group, *restart;
        size_t n_argv = 0, n_env = 0;
        bool bad = false;
        Value *v;
        int r;

        name = personality_get_string(p, "IOUserServerName");
        if (!name || !*name) {
                *ret_why = "no IOUserServerName";
                return -EINVAL;
        }
        exe = optional_string(p, "IOUserServerExecutable", &bad);
        user = optional_string(p, "IOUserServerUser", &bad);
        group = optional_string(p, "IOUserServerGroup", &bad);
        restart = optional_string(p, "IOUserServerRestart", &bad);
        if (bad) {
                *ret_why = "an IOUserServer* key is not a string";
                return -EINVAL;
        }
        if (!restart || streq(restart, "on-failure"))
                s.restart = DRIVER_RESTART_ON_FAILURE;
        else if (streq(restart, "no"))
                s.restart = DRIVER_RESTART_NO;
        else {
                *ret_why = "IOUserServerRestart is neither \"on-failure\" nor \"no\"";
                return -EINVAL;
        }
        s.server_name = strdup(name);
        if (!s.server_name || (user && !(s.user = strdup(user))) || (group && !(s.group = strdup(group))))
                return -ENOMEM;
        r = resolve_executable(p, exe, search_path, &s.executable, ret_why);
        if (r < 0)
                return r;

        r = strv_push(&s.argv, &n_argv, strdup(s.executable));
        if (r < 0)
                return r;
        v = value_dict_get(p->dict, "IOUserServerArguments");
        if (v && value_type(v) != VALUE_ARRAY) {
                *ret_why = "IOUserServerArguments is not an array";
                return -EINVAL;
        }
        for (size_t i = 0; v && i < value_array_size(v); i++) {
                Value *a = value_array_get(v, i);
                size_t len;
                const char *str;

                if (value_type(a) != VALUE_STRING || !(str = value_string(a, &len)) || strlen(str) != len) {
                        *ret_why = "IOUserServerArguments holds something other than a string";
                        return -EINVAL;
                }
                r = strv_push(&s.argv, &n_argv, strdup(str));
                if (r < 0)
                        return r;
        }
        s.env = calloc(1, sizeof(char *));
        if (!s.env)
                return -ENOMEM;
        v = value_dict_get(p->dict, "IOUserServerEnvironment");
        if (v && value_type(v) != VALUE_DICTIONARY) {
                *ret_why = "IOUserServerEnvironment is not a dictionary";
                return -EINVAL;
        }
        for (size_t i = 0; v && i < value_dict_size(v); i++) {
                const char *key = value_dict_key_at(v, i), *str;
                Value *e = value_dict_value_at(v, i);
                char *kv;
                size_t len;

                if (value_type(e) != VALUE_STRING || !(str = value_string(e, &len)) || strlen(str) != len ||
                    !*key || strchr(key, '=')) {
                        *ret_why = "IOUserServerEnvironment holds a bad name or a value that is not a string";
                        return -EINVAL;
                }
                if (asprintf(&kv, "%s=%s", key, str) < 0)
                        return -ENOMEM;
                r = strv_push(&s.env, &n_env, kv);
                if (r < 0)
                        return r;
        }
        *ret = s;
        s = (DriverSpec) {};
        return 0;
}

char **driver_spec_default_path(const char *installed_dir) {
        const char *env = getenv(IOREG_DRIVER_PATH_ENV);
        char **l = calloc(1, sizeof(char *));
        size_t n = 0;

        if (!l)
                return NULL;
        while (env && *env) {
                size_t len = strcspn(env, ":");

                if (len > 0 && strv_push(&l, &n, strndup(env, len)) < 0) {
                        strv_free(l);
                        return NULL;
                }
                env += len;
                if (*env == ':')
                        env++;
        }
        if (installed_dir && strv_push(&l, &n, strdup(installed_dir)) < 0) {
                strv_free(l);
                return NULL;
        }
        return l;
}
