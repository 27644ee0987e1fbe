/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* uc-test.h: the selectors and open types of the user client tests' driver server (test-uc-server.c). */
#pragma once

#define UC_PAGE 4096

enum {
        UC_NOTHING,      /* {0, 0, 0, 0} */
        UC_SUM,          /* {2 scalars in, 0, 1 scalar out, 0}: in[0] + in[1] */
        UC_ECHO,         /* {0, variable, 0, variable}: the input, as far as the output holds it */
        UC_INVERT_PAGE,  /* {0, 4096, 0, 4096}: every byte inverted */
        UC_ASYNC,        /* {2, 0, 1, 0}: out 7 now; later the async result (in[1]) after in[0] ms */
        UC_NOTIFY,       /* {1, 0, 0, 0}: a notification message carrying in[0] */
        UC_SLEEP,        /* {1, 0, 0, 0}: sleeps in[0] ms (synchronously) */
        UC_NO_FUNCTION,  /* a row without function: unsupported */
        UC_FILL,         /* {1, 0, 0, 0}: fills the shared page with in[0] */
        UC_PEEK,         /* {1, 0, 1, 0}: the shared page's byte at in[0] */
        UC_VALUE,        /* {0, 0, 1, 0}: the "Value" set with set_properties */
        UC_COUNT,        /* {variable, 0, variable, 0}: each input plus one */
        UC_METHOD_COUNT,
};

/* Open types: the driver refuses this one in init. */
#define UC_TYPE_REFUSE 666u
