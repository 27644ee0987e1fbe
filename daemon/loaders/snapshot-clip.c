/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * snapshot-clip.c: a value cut by ioreg's terminal clip (snapshot-value.h).
 * The visible text is completed into the nearest value that shows it: an
 * open string gets the '$' mark and its quote, an element cut before it
 * began becomes the string "$", a dictionary key cut before its '=' gets
 * "$" as its value, open brackets are closed, an odd hex digit of data is
 * padded with 0, a Yes or No cut in the middle completed. Digits of a
 * number cut in the middle stay what they show.
 * Printed back at the same width, the value's line clips to the same text.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot-value.h"

#define MAX_NESTING 64

typedef struct Level {
        char open;        /* '(' '{' '<' or '[' (a set) */
        bool has_eq;      /* a dictionary: '=' seen since the last ',' or '{' */
        bool has_content; /* something since the last ',' or the opening */
} Level;

static char closing(char open) {
        switch (open) {
        case '(':
                return ')';
        case '{':
                return '}';
        case '[':
                return ']';
        default:
                return '>';
        }
}

/* The completed text (owned) for the n visible bytes of v. */
static int complete(const char *v, size_t n, char **ret) {
        Level stack[MAX_NESTING];
        unsigned depth = 0, hex = 0;
        bool in_str = false;
        char *out, *o;

        for (size_t i = 0; i < n; i++) {
                char c = v[i];

                if (in_str) {
                        in_str = c != '"';
                        continue;
                }
                if (depth > 0 && c != ' ')
                        stack[depth - 1].has_content = true;
                switch (c) {
                case '"':
                        in_str = true;
                        break;
                case '(':
                case '{':
                case '[':
                case '<':
                        if (depth == MAX_NESTING)
                                return -EBADMSG;
                        stack[depth++] = (Level) { .open = c };
                        hex = 0;
                        break;
                case ')':
                case '}':
                case ']':
                case '>':
                        if (depth == 0)
                                return -EBADMSG;
                        depth--;
                        break;
                case ',':
                        if (depth > 0)
                                stack[depth - 1].has_eq = stack[depth - 1].has_content = false;
                        break;
                case '=':
                        if (depth > 0) {
                                stack[depth - 1].has_eq = true;
                                stack[depth - 1].has_content = false;
                        }
                        break;
                default:
                        if (depth > 0 && stack[depth - 1].open == '<')
                                hex++;
                        break;
                }
        }

        /* At most: "$" + quote, a placeholder "$", a ="$", and one closer per level. */
        out = o = malloc(n + 16 + depth);
        if (!out)
                return -ENOMEM;
        memcpy(o, v, n);
        o += n;
        if (!in_str) {
                /* A Yes or No cut in the middle is the one word it can be. */
                size_t w = 0;

                while (w < n && ((v[n - 1 - w] >= 'a' && v[n - 1 - w] <= 'z') ||
                                 (v[n - 1 - w] >= 'A' && v[n - 1 - w] <= 'Z')))
                        w++;
                if (w > 0 && w < 3 && strncmp("Yes", v + n - w, w) == 0)
                        o = stpcpy(o, "Yes" + w);
                else if (w == 1 && v[n - 1] == 'N')
                        *o++ = 'o';
        }
        if (in_str) {
                *o++ = '$';
                *o++ = '"';
        } else if (depth > 0 && stack[depth - 1].open == '<') {
                if (hex % 2)
                        *o++ = '0';
        } else if (depth == 0 ? n == 0 : !stack[depth - 1].has_content) {
                memcpy(o, "\"$\"", 3);
                o += 3;
        }
        if (depth > 0 && stack[depth - 1].open == '{' && !stack[depth - 1].has_eq) {
                memcpy(o, "=\"$\"", 4);
                o += 4;
        }
        while (depth > 0)
                *o++ = closing(stack[--depth].open);
        *o = 0;
        *ret = out;
        return 0;
}

int snapshot_parse_clipped_value(const char *v, size_t n, Value **ret) {
        _cleanup_free_ char *text = NULL;
        Value *value = NULL;
        int r;

        r = complete(v, n, &text);
        if (r == -ENOMEM)
                return r;
        if (r >= 0 && snapshot_parse_value_n(text, strlen(text), &value) >= 0 && value) {
                *ret = value;
                return 0;
        }
        /* Nothing parses: the text as shown, marked. */
        free(text);
        text = malloc(n + 2);
        if (!text)
                return -ENOMEM;
        memcpy(text, v, n);
        memcpy(text + n, "$", 2);
        *ret = value_new_string(text);
        return *ret ? 0 : -ENOMEM;
}
