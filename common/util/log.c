/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* log.c: see log.h. */

#include <stdarg.h>
#include <stdlib.h>

#include "log.h"

static int log_max_level = LOG_INFO;

void log_set_max_level(int level) {
        log_max_level = level;
}

int log_internal(int level, int error, const char *file, int line, const char *func,
                 const char *format, ...) {
        static int journal = -1;
        va_list ap;

        if (error < 0)
                error = -error;
        if (level > log_max_level)
                return -error;

        if (journal < 0)
                journal = !!getenv("JOURNAL_STREAM");

        errno = error; /* for %m */
        if (journal)
                fprintf(stderr, "<%d>", level);
        else
                fputs("ioregd: ", stderr);
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        if (log_max_level >= LOG_DEBUG)
                fprintf(stderr, " (%s:%d %s)", file, line, func);
        fputc('\n', stderr);
        return -error;
}
