/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * log.h: the daemon's logging. Messages go to stderr with a syslog
 * priority prefix ("<3>") when JOURNAL_STREAM is set, so journald files them
 * at the right level; otherwise plain. log_*_errno() return the negative
 * error they were given, so callers can write `return log_error_errno(r, ...)`.
 * Model code (registry, values, matching) does not log above debug.
 */
#pragma once

#include <syslog.h>

#include "macro.h"

void log_set_max_level(int level);

/* Sets errno to the error for %m, prints, returns -abs(error) (or 0 when error is 0). */
int log_internal(int level, int error, const char *file, int line, const char *func,
                 const char *format, ...) _printf_(6, 7);

#define log_full_errno(level, error, ...) \
        log_internal((level), (error), __FILE__, __LINE__, __func__, __VA_ARGS__)

#define log_debug(...) (void) log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) (void) log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) (void) log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) (void) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) (void) log_full_errno(LOG_ERR, 0, __VA_ARGS__)

#define log_debug_errno(error, ...) log_full_errno(LOG_DEBUG, (error), __VA_ARGS__)
#define log_info_errno(error, ...) log_full_errno(LOG_INFO, (error), __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(LOG_WARNING, (error), __VA_ARGS__)
#define log_error_errno(error, ...) log_full_errno(LOG_ERR, (error), __VA_ARGS__)
