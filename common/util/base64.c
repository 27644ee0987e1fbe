/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* base64.c: see base64.h. */

#include <errno.h>
#include <stdlib.h>

#include "base64.h"
#include "macro.h"

static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *base64_encode(const uint8_t *b, size_t len) {
        char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < len; i += 3) {
                uint32_t v = (uint32_t) b[i] << 16;

                if (i + 1 < len)
                        v |= (uint32_t) b[i + 1] << 8;
                if (i + 2 < len)
                        v |= b[i + 2];
                *o++ = digits[v >> 18];
                *o++ = digits[(v >> 12) & 63];
                *o++ = i + 1 < len ? digits[(v >> 6) & 63] : '=';
                *o++ = i + 2 < len ? digits[v & 63] : '=';
        }
        *o = 0;
        return out;
}

/* The value of each base64 digit, -1 for every other byte. */
static const int8_t digit_value[256] = {
        ['A'] = 0,  ['B'] = 1,  ['C'] = 2,  ['D'] = 3,  ['E'] = 4,  ['F'] = 5,  ['G'] = 6,  ['H'] = 7,
        ['I'] = 8,  ['J'] = 9,  ['K'] = 10, ['L'] = 11, ['M'] = 12, ['N'] = 13, ['O'] = 14, ['P'] = 15,
        ['Q'] = 16, ['R'] = 17, ['S'] = 18, ['T'] = 19, ['U'] = 20, ['V'] = 21, ['W'] = 22, ['X'] = 23,
        ['Y'] = 24, ['Z'] = 25, ['a'] = 26, ['b'] = 27, ['c'] = 28, ['d'] = 29, ['e'] = 30, ['f'] = 31,
        ['g'] = 32, ['h'] = 33, ['i'] = 34, ['j'] = 35, ['k'] = 36, ['l'] = 37, ['m'] = 38, ['n'] = 39,
        ['o'] = 40, ['p'] = 41, ['q'] = 42, ['r'] = 43, ['s'] = 44, ['t'] = 45, ['u'] = 46, ['v'] = 47,
        ['w'] = 48, ['x'] = 49, ['y'] = 50, ['z'] = 51, ['0'] = 52, ['1'] = 53, ['2'] = 54, ['3'] = 55,
        ['4'] = 56, ['5'] = 57, ['6'] = 58, ['7'] = 59, ['8'] = 60, ['9'] = 61, ['+'] = 62, ['/'] = 63,
};

/* A table lookup: `ioreg -l` decodes every data property it prints. */
static int base64_digit(char c) {
        int8_t v = digit_value[(uint8_t) c];

        /* 'A' is the only digit of value 0; every byte the table does not name is 0 too. */
        return v == 0 && c != 'A' ? -1 : v;
}

int base64_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_len) {
        _cleanup_free_ uint8_t *out = NULL;
        size_t n = 0, i = 0;

        if (len % 4 != 0)
                return -EINVAL;
        out = malloc(len / 4 * 3 + 1);
        if (!out)
                return -ENOMEM;
        /* Every quad but the last has no padding: four lookups, one check. */
        for (; len >= 4 && i < len - 4; i += 4) {
                int d0 = base64_digit(s[i]), d1 = base64_digit(s[i + 1]), d2 = base64_digit(s[i + 2]),
                    d3 = base64_digit(s[i + 3]);

                if ((d0 | d1 | d2 | d3) < 0)
                        return -EINVAL;
                out[n++] = (uint8_t) (d0 << 2 | d1 >> 4);
                out[n++] = (uint8_t) ((d1 & 0xf) << 4 | d2 >> 2);
                out[n++] = (uint8_t) ((d2 & 0x3) << 6 | d3);
        }
        for (; i < len; i += 4) {
                int d[4];
                unsigned pad = 0;

                for (unsigned k = 0; k < 4; k++) {
                        if (s[i + k] == '=' && k >= 2) {
                                d[k] = 0;
                                pad++;
                                continue;
                        }
                        if (pad > 0)
                                return -EINVAL; /* data after '=' */
                        d[k] = base64_digit(s[i + k]);
                        if (d[k] < 0)
                                return -EINVAL;
                }
                uint32_t v = (uint32_t) d[0] << 18 | (uint32_t) d[1] << 12 | (uint32_t) d[2] << 6 | (uint32_t) d[3];
                out[n++] = v >> 16;
                if (pad < 2)
                        out[n++] = (v >> 8) & 0xff;
                if (pad < 1)
                        out[n++] = v & 0xff;
        }
        *ret = TAKE_PTR(out);
        *ret_len = n;
        return 0;
}
