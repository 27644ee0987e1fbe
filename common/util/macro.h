/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * macro.h: cleanup attributes, ownership transfer and small helpers,
 * after systemd's macro.h. Used by the daemon, the CLI and the tests.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(fn) __attribute__((cleanup(fn)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _likely_(x) (__builtin_expect(!!(x), 1))
#define _unlikely_(x) (__builtin_expect(!!(x), 0))
/* On the uevent → signal path: GCC gathers these in .text.hot, so an add after a sleep (its TLB
 * flushed) touches few code pages. DESIGN.md "Code layout". */
#define _hot_ __attribute__((hot))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Hands the pointer over and leaves NULL behind, so the cleanup does nothing. */
#define TAKE_PTR(p)                           \
        ({                                    \
                __typeof__(p) _p_ = (p);      \
                (p) = NULL;                   \
                _p_;                          \
        })

#define TAKE_FD(fd)                           \
        ({                                    \
                int _fd_ = (fd);              \
                (fd) = -EBADF;                \
                _fd_;                         \
        })

/* Declares fnp(Type **) for a destructor fn that accepts NULL and returns NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(Type, fn)                 \
        static inline void fn##p(Type *p) {                   \
                if (*p)                                       \
                        *p = fn(*p);                          \
        }

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

static inline void closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline void strv_free(char **l) {
        if (!l)
                return;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
}
static inline void strv_freep(char ***l) {
        strv_free(*l);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)

static inline bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}
#define streq(a, b) (strcmp((a), (b)) == 0)

/* Grows *array to hold at least need items of size sz; doubles to keep appends amortised O(1). */
static inline int grow_array(void **array, unsigned *cap, unsigned need, size_t sz) {
        unsigned n;
        void *p;

        if (need <= *cap)
                return 0;
        n = *cap ? *cap * 2 : 4;
        while (n < need)
                n *= 2;
        p = realloc(*array, (size_t) n * sz);
        if (!p)
                return -ENOMEM;
        *array = p;
        *cap = n;
        return 0;
}
#define GROW(array, cap, need) grow_array((void **) &(array), &(cap), (need), sizeof(*(array)))
