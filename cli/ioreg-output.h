/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg-output.h: the line writer behind ioreg's text (IOKitTools'
 * print()/println()), in ioreg-output.c, below both ioreg-print.c and
 * ioreg-format.c (which calls none of ioreg-print.c). With a
 * width, each piece is cut to what is left of the line and a cut line ends
 * in '$'; newlines inside a piece become spaces. Without one, text goes
 * out as it is. Raw bytes (the bold escapes) never count towards the width.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ioreg-print.h"
#include "macro.h"

typedef struct Printer {
        FILE *f;                     /* borrowed */
        const IoregTree *t;          /* borrowed */
        const IoregPrintOptions *o;  /* borrowed */
        unsigned left;               /* columns left on this line, as printbufleft */
        bool clipped;
        const char *bold_on, *bold_off; /* borrowed static strings */
        size_t n_buf;
        char buf[16384];             /* text not yet handed to f: one fwrite() per buffer, not per piece */
} Printer;

/* Hands the buffered text to f (not fflush()). Every out_*() writes through the buffer. */
void out_flush(Printer *p);
void out_putn(Printer *p, const char *s, size_t n);
void out_puts(Printer *p, const char *s);
_printf_(2, 3) void out_printf(Printer *p, const char *format, ...);
void out_raw(Printer *p, const char *s);
void out_endl(Printer *p);

/* The tree columns before a node (is_node) or its property lines; see ioreg-print.c. */
void out_indent(Printer *p, bool is_node, unsigned depth, uint64_t bits);
void out_string(Printer *p, const char *s);
void out_value(Printer *p, json_t *v);
/* padding: zero padding after the strings still counts as text (-f's printData). */
void out_data(Printer *p, const uint8_t *b, size_t len, bool padding);
/* Whether data shows as strings, as IOKitTools decides: NUL-separated text, ≥ 80 % plain ASCII. */
bool data_is_text(const uint8_t *b, size_t len, bool hex, bool padding);

/*
 * -f: prints key's value in ioreg's decoded form when it has one (reg,
 * assigned-addresses, slot-names, ranges, interrupts, interrupt-map,
 * interrupt-parent, data), ending the line(s). False: the caller prints it.
 */
bool ioreg_format_property(Printer *p, size_t node, unsigned depth, uint64_t bits, const char *key,
                           json_t *v);
