/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg-print.c: see ioreg-print.h. The traversal mirrors IOKitTools'
 * scan()/search()/show()/indent(), including where the "has children" bit
 * is left alone at the depth limit, so that the output matches byte for
 * byte.
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ioreg-output.h"
#include "linux-facts.h"

static void show_class(Printer *p, const IoregNode *n) {
        size_t k = 0;

        if (!p->o->inheritance) {
                out_puts(p, n->classes && n->classes[0] ? n->classes[0] : "?");
                return;
        }
        while (n->classes && n->classes[k])
                k++;
        for (size_t i = k; i > 0; i--)
                out_printf(p, "%s%s", n->classes[i - 1], i > 1 ? ":" : "");
}

/* -L: lsusb's and lspci's facts on the object line, after Apple's part of it. */
static void show_linux(Printer *p, const IoregNode *n) {
        LinuxFacts f;

        linux_facts_read(n->properties, true, &f);
        if (f.ids[0]) {
                out_printf(p, "  ID %s", f.ids);
                if (f.vendor)
                        out_printf(p, " %s", f.vendor);
                if (f.product)
                        out_printf(p, " %s", f.product);
        }
        if (f.pci_address)
                out_printf(p, "  pci %s", f.pci_address);
        if (f.devnode)
                out_printf(p, "  %s", f.devnode);
        if (f.driver)
                out_printf(p, "  driver %s", f.driver);
        linux_facts_done(&f);
}

static void show(Printer *p, size_t i, unsigned depth, uint64_t bits) {
        const char *key;
        json_t *v; /* borrowed */
        const IoregNode *n = &p->t->nodes[i];

        out_indent(p, true, depth, bits);
        if (p->o->bold)
                out_raw(p, p->bold_on);
        out_puts(p, n->name);
        if (p->o->bold)
                out_raw(p, p->bold_off);
        if (n->location)
                out_printf(p, "@%s", n->location);
        out_puts(p, "  <class ");
        show_class(p, n);
        out_printf(p, ", id 0x%llx", (unsigned long long) n->id);
        if (ioreg_node_is_service(n)) {
                out_printf(p, ", %sregistered, %smatched, %sactive, busy %u", n->state & 0x2 ? "" : "!",
                           n->state & 0x4 ? "" : "!", n->state & 0x1 ? "in" : "", n->busy);
                if (n->busy_time_nsec)
                        out_printf(p, " (%llu ms)", (unsigned long long) (n->busy_time_nsec / 1000000));
        }
        out_printf(p, ", retain %u>", n->retain);
        if (p->o->linux_view)
                show_linux(p, n);
        out_endl(p);

        if (!ioreg_node_shows_properties(n, p->o))
                return;
        out_indent(p, false, depth, bits);
        out_puts(p, "{");
        out_endl(p);
        json_object_foreach(n->properties, key, v) {
                out_indent(p, false, depth, bits);
                out_puts(p, "  ");
                out_string(p, key);
                out_puts(p, " = ");
                if (p->o->format && ioreg_format_property(p, i, depth, bits, key, v))
                        continue;
                out_value(p, v);
                out_endl(p);
        }
        out_indent(p, false, depth, bits);
        out_puts(p, "}");
        out_endl(p);
        out_indent(p, false, depth, bits);
        out_endl(p);
}

static void scan(Printer *p, size_t i, bool more_siblings, unsigned depth, uint64_t bits, unsigned limit) {
        size_t end = ioreg_tree_subtree_end(p->t, i), child = i + 1;
        bool descend = limit == 0 || limit > depth + 1;

        if (more_siblings)
                bits |= UINT64_C(1) << (depth & 63);
        else
                bits &= ~(UINT64_C(1) << (depth & 63));
        /* At the depth limit ioreg leaves the has-children bit as it was: so do we. */
        if (descend) {
                if (child < end)
                        bits |= UINT64_C(2) << (depth & 63);
                else
                        bits &= ~(UINT64_C(2) << (depth & 63));
        }
        show(p, i, depth, bits);
        if (!descend)
                return;
        while (child < end) {
                size_t next = ioreg_tree_subtree_end(p->t, child);

                scan(p, child, next < end, depth + 1, bits, limit);
                child = next;
        }
}

/* -r: one match, with -t its ancestors first, then a blank line. */
static int show_match(size_t i, void *userdata) {
        Printer *p = userdata;
        unsigned depth = p->t->nodes[i].depth;

        if (p->o->tree) {
                size_t chain[depth + 1];
                size_t a = i;

                for (unsigned d = depth; d > 0; d--)
                        chain[d - 1] = a = ioreg_tree_parent(p->t, a);
                /* Each ancestor alone on its column, with only its has-children bit. */
                for (unsigned d = 0; d < depth; d++)
                        show(p, chain[d], d, UINT64_C(2) << (d & 63));
                scan(p, i, false, depth, 0, p->o->depth_limit ? p->o->depth_limit + depth : 0);
        } else
                scan(p, i, false, 0, 0, p->o->depth_limit);
        out_endl(p);
        return 0;
}

int ioreg_print_tree(FILE *f, const IoregTree *t, const IoregPrintOptions *o) {
        Printer p = { .f = f, .t = t, .o = o, .left = o->width, .bold_on = "", .bold_off = "" };
        const char *term = getenv("TERM");

        /* termcap md/me as every terminal ioreg meets has them; nothing on a dumb one, nor into a pipe. */
        if (o->bold && term && *term && !streq(term, "dumb") && isatty(fileno(f))) {
                p.bold_on = "\033[1m";
                p.bold_off = "\033[0m";
        }
        if (t->n_nodes > 0) {
                if (o->root)
                        (void) ioreg_search(t, o, show_match, &p);
                else
                        scan(&p, 0, false, 0, 0, o->depth_limit);
        }
        out_flush(&p);
        if (fflush(f) != 0 || ferror(f))
                return -EIO;
        return 0;
}
