/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xplist-check.c: see xplist-check.h. */

#include <errno.h>
#include <string.h>

#include "bplist-check.h"
#include "xplist-check.h"

/* <plist>, the containers, a leaf element. */
#define XML_MAX_DEPTH (BPLIST_MAX_NESTING + 2)

/* Where the text after p ends with the terminator term, or end. */
static const char *skip_past(const char *p, const char *end, const char *term) {
        const char *t = memmem(p, end - p, term, strlen(term));

        return t ? t + strlen(term) : end;
}

int xplist_check(const char *buf, size_t len, const char **ret_reason) {
        const char *p = buf, *end = buf + len;
        unsigned depth = 0;

        while ((p = memchr(p, '<', end - p))) {
                const char *tag_end;

                if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
                        p = skip_past(p + 4, end, "-->");
                        continue;
                }
                if (end - p >= 9 && memcmp(p, "<![CDATA[", 9) == 0) {
                        p = skip_past(p + 9, end, "]]>");
                        continue;
                }
                tag_end = memchr(p, '>', end - p);
                if (!tag_end)
                        break; /* libplist refuses the rest */
                if (p[1] == '?' || p[1] == '!')
                        ; /* <?xml ...?>, <!DOCTYPE ...> */
                else if (p[1] == '/') {
                        if (depth > 0)
                                depth--;
                } else if (tag_end[-1] != '/' && ++depth > XML_MAX_DEPTH) {
                        *ret_reason = "elements nest deeper than " BPLIST_MAX_NESTING_TEXT " containers";
                        return -EBADMSG;
                }
                p = tag_end + 1;
        }
        return 0;
}
