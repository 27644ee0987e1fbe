/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* utf8.c: see utf8.h. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "utf8.h"

/* The length of the valid sequence at p (1-4), or 0 when p starts none. */
_hot_ static size_t valid_sequence(const unsigned char *p, const unsigned char *end) {
        unsigned char c = *p;
        uint32_t cp;
        size_t n;

        if (c < 0x80)
                return c == 0 ? 0 : 1;
        if (c >= 0xc2 && c <= 0xdf) {
                n = 1;
                cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
                n = 2;
                cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
                n = 3;
                cp = c & 0x07;
        } else
                return 0; /* a continuation byte, an overlong lead, or beyond U+10FFFF */
        if ((size_t) (end - p) <= n)
                return 0;
        for (size_t i = 1; i <= n; i++) {
                if ((p[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (p[i] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return n + 1;
}

/* Eight bytes of ASCII without NUL at p (the common case, taken a word at a time). */
static bool ascii_word(const unsigned char *p) {
        const uint64_t high = UINT64_C(0x8080808080808080), ones = UINT64_C(0x0101010101010101);
        uint64_t w;

        memcpy(&w, p, sizeof(w));
        return !(w & high) && !((w - ones) & ~w & high); /* no byte ≥ 0x80, no byte 0 */
}

_hot_ bool utf8_is_valid(const char *s, size_t len) {
        const unsigned char *p = (const unsigned char *) s, *end = p + len;

        while (p < end) {
                size_t n;

                if (end - p >= 8 && ascii_word(p)) {
                        p += 8;
                        continue;
                }
                n = valid_sequence(p, end);

                if (n == 0)
                        return false;
                p += n;
        }
        return true;
}

char *utf8_escape_invalid(const char *s, size_t len) {
        const unsigned char *p = (const unsigned char *) s, *end = p + len;
        char *out, *o;

        /* Each byte grows to at most three. */
        if (len > (SIZE_MAX - 1) / 3)
                return NULL;
        out = malloc(len * 3 + 1);
        if (!out)
                return NULL;
        o = out;
        while (p < end) {
                size_t n = valid_sequence(p, end);

                if (n == 0) {
                        memcpy(o, UTF8_REPLACEMENT, 3);
                        o += 3;
                        p++;
                        continue;
                }
                memcpy(o, p, n);
                o += n;
                p += n;
        }
        *o = '\0';
        return out;
}
