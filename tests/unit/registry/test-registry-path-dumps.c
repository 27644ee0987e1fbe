/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-registry-path-dumps.c: registry paths (registry-path.c) on the trees
 * of real macOS machines read from their `ioreg` dumps: every entry's path
 * must lead back to it, except where the kernel's own rule ("the first
 * matching child wins") leads elsewhere, and those are counted exactly.
 * The rules one by one, on small trees: test-registry-path.c.
 */

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dump-tree.h"
#include "registry-path.h"

#ifndef IOREG_DUMPS
#error "IOREG_DUMPS must name the directory of the macOS ioreg dumps"
#endif

/* Longest chain of first parents the shadow walk follows. */
#define CHAIN_MAX 512

static void *mfree(void *p) {
        free(p);
        return NULL;
}

/*
 * Whether two locations are equal the way the kernel compares them in a
 * path: hexadecimal fields separated by ',' or ':', the separators equal,
 * missing fields 0. Written independently of registry-path.c; text that is
 * not made of such fields compares as text.
 */
static bool hex_fields(const char *s, unsigned long long *fields, char *seps, unsigned *n) {
        *n = 0;
        for (;;) {
                char *end;

                if (*n == 16 || !strchr("0123456789abcdefABCDEF", *s) || !*s)
                        return false;
                fields[*n] = strtoull(s, &end, 16);
                seps[(*n)++] = *end;
                if (*end == '\0')
                        return true;
                if (*end != ',' && *end != ':')
                        return false;
                s = end + 1;
        }
}

static bool locations_equal(const char *a, const char *b) {
        unsigned long long fa[16], fb[16];
        char sa[16], sb[16];
        unsigned na, nb;

        if (!hex_fields(a, fa, sa, &na) || !hex_fields(b, fb, sb, &nb))
                return streq(a, b);
        for (unsigned i = 0; i < na || i < nb; i++) {
                if ((i < na ? fa[i] : 0) != (i < nb ? fb[i] : 0))
                        return false;
                if (i + 1 < na && i + 1 < nb && sa[i] != sb[i])
                        return false;
        }
        return true;
}

/* Whether candidate c matches the path component comp (name, then '@' and location). */
static bool component_matches(const Entry *c, const Plane *plane, const char *comp) {
        const char *name = entry_get_name(c, plane), *loc = entry_get_location(c, plane);
        size_t len = strlen(name);

        if (strncmp(comp, name, len) != 0)
                return false;
        switch (comp[len]) {
        case '\0':
        case '/':
        case ':':
                return true;
        case '@':
                return loc && locations_equal(comp + len + 1, loc);
        default:
                return false;
        }
}

/* The first of the candidates whose component matches e's, where from-path looks for e. */
static Entry *first_match(Registry *reg, const Plane *plane, const Entry *e, const char *comp) {
        Entry *parent = entry_get_parent(e, plane), *plane_root = registry_plane_root(reg, plane);
        Entry *const *lists[2];
        unsigned n[2], n_lists = 1;

        if (parent == plane_root || parent == reg->root) {
                /* Top level: below the plane root, then Root's other children (the extension). */
                lists[0] = entry_get_children(plane_root, plane, &n[0]);
                lists[1] = entry_get_children(reg->root, plane, &n[1]);
                lists[1]++;
                n[1]--;
                n_lists = 2;
        } else
                lists[0] = entry_get_children(parent, plane, &n[0]);
        for (unsigned l = 0; l < n_lists; l++)
                for (unsigned i = 0; i < n[l]; i++)
                        if (component_matches(lists[l][i], plane, comp))
                                return lists[l][i];
        return NULL;
}

typedef enum Shadow {
        SHADOW_NONE,     /* from-path must lead back to the entry */
        SHADOW_SELF,     /* an earlier sibling matches the entry's own component */
        SHADOW_ANCESTOR, /* an earlier sibling matches an ancestor's component */
} Shadow;

/* Walks e's path from the top, as from-path does, and says where (if anywhere) it goes astray. */
static Shadow find_shadow(Registry *reg, const Plane *plane, const Entry *e, Entry **ret_sibling) {
        const Entry *chain[CHAIN_MAX];
        Entry *plane_root = registry_plane_root(reg, plane);
        unsigned n = 0;

        for (const Entry *i = e; i != plane_root && i != reg->root; i = entry_get_parent(i, plane)) {
                assert_true(n < ELEMENTSOF(chain));
                chain[n++] = i;
        }
        for (unsigned i = n; i > 0; i--) {
                const Entry *c = chain[i - 1];
                const char *loc = entry_get_location(c, plane);
                _cleanup_free_ char *comp = NULL;
                Entry *m;

                if (asprintf(&comp, "%s%s%s", entry_get_name(c, plane), loc ? "@" : "", loc ?: "") < 0)
                        fail();
                m = first_match(reg, plane, c, comp);
                assert_non_null(m); /* at least c itself */
                if (m != c) {
                        *ret_sibling = m;
                        return i == 1 ? SHADOW_SELF : SHADOW_ANCESTOR;
                }
        }
        *ret_sibling = NULL;
        return SHADOW_NONE;
}

typedef struct DumpCase {
        const char *file;
        const char *plane;
        unsigned n_lines;           /* "+-o" lines */
        unsigned n_entries;         /* distinct ids, Root included */
        unsigned n_multi_parent;    /* ids that appear below two parents */
        unsigned n_round_trip;      /* entries whose path leads back to them */
        unsigned n_shadow_self;     /* path leads to an earlier sibling with the same name@location */
        unsigned n_shadow_ancestor; /* path goes astray above the entry, below such a sibling */
} DumpCase;

static void check_dump(const DumpCase *dc) {
        _cleanup_(registry_freep) Registry *reg = NULL;
        _cleanup_free_ char *file = NULL;
        const char *dir = getenv("IOREG_DUMPS") ?: IOREG_DUMPS;
        const Plane *plane;
        unsigned n_ok = 0, n_self = 0, n_ancestor = 0;
        DumpTree t = {};
        int r;

        assert_int_equal(registry_new(&reg), 0);
        plane = registry_find_plane(reg, dc->plane);
        assert_non_null(plane);
        assert_true(asprintf(&file, "%s/%s", dir, dc->file) >= 0);
        r = dump_tree_load(reg, plane, file, &t);
        if (r < 0)
                fail_msg("cannot load %s: %s (set IOREG_DUMPS to the testdata/ioreg directory)", file,
                         strerror(-r));

        assert_int_equal(t.n_lines, dc->n_lines);
        assert_int_equal(t.n_entries, dc->n_entries);
        assert_int_equal(t.n_multi_parent, dc->n_multi_parent);
        assert_int_equal(registry_n_entries(reg), dc->n_entries);
        assert_ptr_equal(t.entries[0]->entry, reg->root);

        for (unsigned i = 1; i < t.n_entries; i++) {
                const DumpEntry *de = t.entries[i];
                _cleanup_free_ char *path = NULL;
                Entry *found = NULL, *sibling = NULL;
                Shadow shadow;

                r = registry_entry_get_path(reg, de->entry, plane, &path);
                if (r < 0)
                        fail_msg("line %u (id 0x%" PRIx64 "): get-path: %s", de->line, de->dump_id,
                                 strerror(-r));
                r = registry_entry_from_path(reg, path, NULL, &found);
                shadow = find_shadow(reg, plane, de->entry, &sibling);
                switch (shadow) {
                case SHADOW_NONE:
                        if (r < 0 || found != de->entry)
                                fail_msg("line %u (id 0x%" PRIx64 "): '%s' does not lead back (%s)",
                                         de->line, de->dump_id, path,
                                         r < 0 ? strerror(-r) : "another entry");
                        n_ok++;
                        break;
                case SHADOW_SELF:
                        /* The kernel's rule: the earlier sibling wins. */
                        assert_int_equal(r, 0);
                        assert_ptr_equal(found, sibling);
                        assert_ptr_equal(entry_get_parent(sibling, plane),
                                         entry_get_parent(de->entry, plane));
                        assert_string_equal(entry_get_name(sibling, plane),
                                            entry_get_name(de->entry, plane));
                        n_self++;
                        break;
                case SHADOW_ANCESTOR:
                        /* Astray above: it cannot come back here. */
                        assert_true(r < 0 || found != de->entry);
                        if (r < 0)
                                assert_int_equal(r, -ENOENT);
                        n_ancestor++;
                        break;
                }
        }
        print_message("%s: %u entries, %u round-trip, %u shadowed by a sibling, %u below a shadowed entry\n",
                      dc->file, t.n_entries, n_ok, n_self, n_ancestor);
        assert_int_equal(n_ok + n_self + n_ancestor, t.n_entries - 1);
        assert_int_equal(n_ok, dc->n_round_trip);
        assert_int_equal(n_self, dc->n_shadow_self);
        assert_int_equal(n_ancestor, dc->n_shadow_ancestor);

        /* The plane root's path is the bare plane; Root has none. */
        {
                _cleanup_free_ char *path = NULL, *expected = NULL;

                assert_int_equal(registry_entry_get_path(reg, registry_plane_root(reg, plane), plane, &path),
                                 0);
                assert_true(asprintf(&expected, "%s:/", dc->plane) >= 0);
                assert_string_equal(path, expected);
                path = mfree(path);
                assert_int_equal(registry_entry_get_path(reg, reg->root, plane, &path), -ENOENT);
        }
        dump_tree_done(&t);
}

/*
 * The counts below are exact. Every entry not counted as shadowed must
 * round-trip; the shadowed ones are where the kernel itself would not find
 * the entry by its path either:
 *
 * - "shadowed by a sibling": an earlier child of the same provider has the
 *   same name and location, so the first matching child wins. In these dumps
 *   they are all identical name@location pairs, nearly all user clients that
 *   have no location (RootDomainUserClient x N below IOPMrootDomain,
 *   AppleKeyStoreUserClient, IOSurfaceRootUserClient, IOHIDLibUserClient,
 *   IOAudioEngineUserClient, ...): each instance after the first.
 * - "below a shadowed entry": a descendant of such an entry, whose walk goes
 *   into the first sibling's subtree and ends there with -ENOENT or at a
 *   look-alike (e.g. the CCLogStream below the second CCPipe, the
 *   IOAudioControlUserClient below the second IOAudioToggleControl).
 */
static const DumpCase dump_macmini = {
        .file = "hackintosh-Macmini8,1-ioreg-l.txt",
        .plane = "IOService",
        .n_lines = 1193,
        .n_entries = 1180,
        .n_multi_parent = 2,
        .n_round_trip = 561,
        .n_shadow_self = 602,
        .n_shadow_ancestor = 16,
};

static const DumpCase dump_macbookpro = {
        .file = "hackintosh-MacBookPro15,2-ioreg-tree.txt",
        .plane = "IOService",
        .n_lines = 843,
        .n_entries = 813,
        .n_multi_parent = 2,
        .n_round_trip = 492,
        .n_shadow_self = 293,
        .n_shadow_ancestor = 27,
};

static const DumpCase dump_macpro = {
        .file = "qemu-MacPro7,1-ioreg-tree.txt",
        .plane = "IOService",
        .n_lines = 353,
        .n_entries = 351,
        .n_multi_parent = 1,
        .n_round_trip = 331,
        .n_shadow_self = 19,
        .n_shadow_ancestor = 0,
};

/* The IOUSB plane: two root hubs below Root, names with '/' and spaces; everything round-trips. */
static const DumpCase dump_macmini_usb = {
        .file = "hackintosh-Macmini8,1-ioreg-p-IOUSB-l.txt",
        .plane = "IOUSB",
        .n_lines = 11,
        .n_entries = 11,
        .n_multi_parent = 0,
        .n_round_trip = 10,
        .n_shadow_self = 0,
        .n_shadow_ancestor = 0,
};

static void test_real_macmini(void **state) {
        check_dump(&dump_macmini);
}

static void test_real_macbookpro(void **state) {
        check_dump(&dump_macbookpro);
}

static void test_real_macpro_vm(void **state) {
        check_dump(&dump_macpro);
}

static void test_real_macmini_usb_plane(void **state) {
        check_dump(&dump_macmini_usb);
}

static void test_dump_loader(void **state) {
        _cleanup_(registry_freep) Registry *reg = NULL;
        _cleanup_free_ char *file = NULL;
        const char *dir = getenv("IOREG_DUMPS") ?: IOREG_DUMPS;
        const Plane *usb;
        DumpTree t = {};
        Entry *hub2, *lan;

        assert_int_equal(registry_new(&reg), 0);
        usb = reg->usb_plane;
        assert_true(asprintf(&file, "%s/%s", dir, dump_macmini_usb.file) >= 0);
        assert_int_equal(dump_tree_load(reg, usb, file, &t), 0);

        /* Depth from the column, names up to the first '@', plane-specific names and locations. */
        hub2 = t.entries[9]->entry;
        lan = t.entries[10]->entry;
        assert_int_equal(t.entries[9]->dump_id, UINT64_C(0x100000402));
        assert_ptr_equal(entry_get_parent(hub2, usb), reg->root);
        assert_ptr_equal(entry_get_parent(lan, usb), hub2);
        assert_string_equal(entry_get_name(lan, usb), "USB 10/100/1G/2.5G LAN");
        assert_string_equal(entry_get_location(lan, usb), "00300000");
        assert_string_equal(lan->klass->name, "AppleUSBDevice");
        assert_true(entry_conforms_to(lan, "IOService"));
        assert_string_equal(entry_get_name(t.entries[1]->entry, usb), "AppleUSBXHCI Root Hub Simulation");
        /* The names are the plane's own: the service plane falls back to the class name. */
        assert_string_equal(entry_get_name(lan, reg->service_plane), "AppleUSBDevice");
        assert_false(entry_in_plane(lan, reg->service_plane));
        dump_tree_done(&t);

        /* A file that is not there. */
        assert_int_equal(dump_tree_load(reg, usb, TEST_DATA "/no-such-dump.txt", &t), -ENOENT);
        assert_int_equal(t.n_entries, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_dump_loader),
                cmocka_unit_test(test_real_macmini),
                cmocka_unit_test(test_real_macbookpro),
                cmocka_unit_test(test_real_macpro_vm),
                cmocka_unit_test(test_real_macmini_usb_plane),
        };

        return cmocka_run_group_tests_name("registry-path-dumps", tests, NULL, NULL);
}
