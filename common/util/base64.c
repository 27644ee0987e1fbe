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

static int base64_digit(char c) {
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -1;
}

int base64_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_len) {
        _cleanup_free_ uint8_t *out = NULL;
        size_t n = 0;

        if (len % 4 != 0)
                return -EINVAL;
        out = malloc(len / 4 * 3 + 1);
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < len; i += 4) {
                int d[4];
                unsigned pad = 0;

                for (unsigned k = 0; k < 4; k++) {
                        if (s[i + k] == '=' && i + 4 == len && k >= 2) {
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
