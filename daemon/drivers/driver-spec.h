/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * driver-spec.h: how to run the driver server a personality names
 * (docs/personalities.md, "Driver servers"). Reads the personality's keys:
 *
 *   IOUserServerName         the server (one process per name)
 *   IOUserServerExecutable   the program: an absolute path; a path with a
 *                            '/' relative to the personality file's folder;
 *                            a bare name searched in the driver path
 *   (a .dext bundle)         else CFBundleExecutable of the bundle's
 *                            Info.plist: BUNDLE/Contents/MacOS/NAME, or
 *                            BUNDLE/NAME for a shallow bundle
 *   IOUserServerArguments    array of strings after argv[0]
 *   IOUserServerEnvironment  dictionary of strings, added to the clean
 *                            environment
 *   IOUserServerUser/Group   whom to run as (see driver-launch.h)
 *   IOUserServerRestart      "on-failure" (default) or "no"
 *
 * A personality with IOUserServerName but neither an executable key nor a
 * bundle stays codeless (as before this module: the entry shows the match,
 * nothing runs), so the real Apple personalities in tests keep their shape.
 */
#pragma once

#include <stdbool.h>

#include "personality.h"
#include "protocol.h"


typedef enum DriverRestart {
        DRIVER_RESTART_ON_FAILURE,
        DRIVER_RESTART_NO,
        _DRIVER_RESTART_MAX,
        _DRIVER_RESTART_INVALID = -EINVAL,
} DriverRestart;

typedef struct DriverSpec {
        char *server_name;  /* owned */
        char *executable;   /* owned, absolute */
        char **argv;        /* owned strv: executable, then the arguments */
        char **env;         /* owned strv of NAME=VALUE from IOUserServerEnvironment */
        char *user;         /* owned or NULL */
        char *group;        /* owned or NULL */
        DriverRestart restart;
} DriverSpec;

void driver_spec_done(DriverSpec *s);
/* Deep copy of s into ret. -ENOMEM (ret untouched). */
int driver_spec_copy(const DriverSpec *s, DriverSpec *ret);
/* The same server launched the same way (two personalities may share one server only then). */
bool driver_spec_equal(const DriverSpec *a, const DriverSpec *b);

/* The personality names a server and says how to launch it (the host runs it). */
bool driver_spec_wanted(const Personality *p);

/* The .dext bundle folder p was read from (owned), or NULL when it came from no bundle. */
char *driver_spec_bundle_of(const Personality *p);

/*
 * Fills ret from p. search_path: the folders for a bare executable name
 * (NULL-terminated, may be NULL). On failure returns a negative errno and
 * sets *ret_why to a static phrase for the log (ret untouched):
 * -EINVAL a key of the wrong type, -ENOENT no executable found.
 */
int driver_spec_from_personality(const Personality *p, char *const *search_path, DriverSpec *ret,
                                 const char **ret_why);

/* The driver path: $IOREG_DRIVER_PATH (colon-separated), then the installed folder. Owned strv. */
char **driver_spec_default_path(const char *installed_dir);
