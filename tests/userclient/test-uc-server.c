/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-uc-server.c: the driver server of the user client tests, built on
 * libioreg's driver API (ioreg/user-client.h). Its classes:
 *
 *   UCTestDriver    user client class "UCTestUserClient" from the class
 *   UCPolkitDriver  table (the second's personality asks for an administrator)
 *   UCAdminDriver   user client class from the personality's IOUserClientClass,
 *                   requires_administrator in the class table
 *   UCNoneDriver    no user client class
 *
 * UCTestUserClient's selectors (UC_* below) cover every argument rule, the
 * async and notification paths, mapped memory and properties. With
 * $TEST_STOP_DIR, client_close and client_died leave files "close-TYPE"
 * and "died-TYPE" there (TYPE: the type the application opened with), so a
 * test sees which ran. Each started driver sets TestServerPID on its entry.
 */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-event.h>

#include <ioreg/ioreg.h>

#include "uc-test.h"

typedef struct Client {
        ioreg_user_client *uc;       /* weak */
        int memfd;                   /* owned */
        uint8_t *memory;             /* owned mapping of memfd */
        int64_t value;               /* set by set_properties */
        sd_event_source *timers[16]; /* owned: async answers in flight */
} Client;

typedef struct Later {
        Client *c;                   /* weak */
        unsigned slot;
        uint64_t ref[IOREG_ASYNC_REF_COUNT];
        uint32_t n_ref;
        uint64_t value;
} Later;

static void touch(const char *what, uint32_t type) {
        const char *dir = getenv("TEST_STOP_DIR");
        char path[512];
        int fd;

        if (!dir)
                return;
        snprintf(path, sizeof(path), "%s/%s-%u", dir, what, type);
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
        if (fd >= 0)
                close(fd);
}

static Client *client_of(ioreg_user_client *uc) {
        return ioreg_user_client_get_context(uc);
}

static ioreg_return_t m_nothing(ioreg_user_client *uc, void *u, ioreg_external_method_arguments *a) {
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t m_sum(ioreg_user_client *uc, void *u, ioreg_external_method_arguments *a) {
        a->scalar_output[0] = a->scalar_input[0] + a->scalar_input[1];
        a->scalar_output_count = 1;
        return IOREG_RETURN_SUCCESS;
}

/* Echo: as much of the input as fits the output. */
static ioreg_return_t m_echo(ioreg_user_client *uc, void *u, ioreg_external_method_arguments *a) {
        uint32_t n = a->structure_input_size < a->structure_output_size ? a->structure_input_size
                                                                        : a->structure_output_size;

        if (n > 0)
                memcpy(a->structure_output, a->structure_input, n);
        a->structure_output_size = n;
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t m_invert_page(ioreg_user_client *uc, void *u, ioreg_external_method_arguments *a) {
        const uint8_t *in = a->structure_input;
        uint8_t *out = a->structure_output;

        for (uint32_t i = 0; i < UC_PAGE; i++)
                out[i] = (uint8_t) ~in[i];
        return IOREG_RETURN_SUCCESS;
}

static int on_later(sd_event_source *src, uint64_t usec, void *userdata) {
        Later *l = userdata;
        Client *c = l->c;
        unsigned slot = l->slot;

        (void) ioreg_user_client_send_async_result(c->uc, l->ref, l->n_ref, IOREG_RETURN_SUCCESS, &l->value, 1);
        c->timers[slot] = sd_event_source_disable_unref(c->timers[slot]); /* frees l */
        return 0;
}

/* Async: answers scalar_input[1] after scalar_input[0] ms; the immediate output is 7. */
static ioreg_return_t m_async(ioreg_user_client *uc, void *u, ioreg_external_method_arguments *a) {
        Client *c = client_of(uc);
        Later *l;
        unsigned slot;

        a->scalar_output[0] = 7;
        a->scalar_output_count = 1;
        if (!a->async_reference)
                return IOREG_RETURN_BAD_ARGUMENT;
        for (slot = 0; slot < 16 && c->timers[slot]; slot++)
                ;
        if (slot == 16 || !(l = calloc(1, sizeof(*l))))
                return IOREG_RETURN_NO_RESOURCES;
        *l = (Later) { .c = c, .slot = slot, .n_ref = a->async_reference_count, .value = a->scalar_input[1] };
        memcpy(l->ref, a->async_reference, l->n_ref * sizeof(uint64_t));
        if (sd_event_add_time_relative(ioreg_driver_get_event(ioreg_user_client_get_driver(uc)), &c->timers[slot],
                                       CLOCK_MONOTONIC, a->scalar_input[0] * 1000, 0, on_later, l) < 0) {
                free(l);
                return IOREG_RETURN_NO_RESOURCES;
        }
        (void) sd_event_source_set_destroy_callback(c->timers[slot], free);
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t m_notify(ioreg_user_client *uc, void *u, ioreg_external_method_arguments *a) {
        return ioreg_user_client_send_notification(uc, IOREG_RETURN_SUCCESS, a->scalar_input, 1);
}

static ioreg_return_t m_sleep(ioreg_user_client *uc, void *u, ioreg_external_method_arguments *a) {
        struct timespec ts = { .tv_sec = a->scalar_input[0] / 1000, .tv_nsec = (a->scalar_input[0] % 1000) * 1000000 };

        nanosleep(&ts, NULL);
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t m_fill(ioreg_user_client *uc, void *u, ioreg_external_method_arguments *a) {
        memset(client_of(uc)->memory, (int) a->scalar_input[0], UC_PAGE);
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t m_peek(ioreg_user_client *uc, void *u, ioreg_external_method_arguments *a) {
        if (a->scalar_input[0] >= UC_PAGE)
                return IOREG_RETURN_BAD_ARGUMENT;
        a->scalar_output[0] = client_of(uc)->memory[a->scalar_input[0]];
        a->scalar_output_count = 1;
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t m_value(ioreg_user_client *uc, void *u, ioreg_external_method_arguments *a) {
        a->scalar_output[0] = (uint64_t) client_of(uc)->value;
        a->scalar_output_count = 1;
        return IOREG_RETURN_SUCCESS;
}

/* Variable scalar counts: returns as many scalars as came in, each plus one. */
static ioreg_return_t m_count(ioreg_user_client *uc, void *u, ioreg_external_method_arguments *a) {
        uint32_t n = a->scalar_input_count < a->scalar_output_count ? a->scalar_input_count : a->scalar_output_count;

        for (uint32_t i = 0; i < n; i++)
                a->scalar_output[i] = a->scalar_input[i] + 1;
        a->scalar_output_count = n;
        return IOREG_RETURN_SUCCESS;
}

#define VAR IOREG_VARIABLE_STRUCTURE_SIZE
static const ioreg_external_method_dispatch methods[UC_METHOD_COUNT] = {
        [UC_NOTHING] = { m_nothing, 0, 0, 0, 0 },
        [UC_SUM] = { m_sum, 2, 0, 1, 0 },
        [UC_ECHO] = { m_echo, 0, VAR, 0, VAR },
        [UC_INVERT_PAGE] = { m_invert_page, 0, UC_PAGE, 0, UC_PAGE },
        [UC_ASYNC] = { m_async, 2, 0, 1, 0 },
        [UC_NOTIFY] = { m_notify, 1, 0, 0, 0 },
        [UC_SLEEP] = { m_sleep, 1, 0, 0, 0 },
        [UC_NO_FUNCTION] = { NULL, 0, 0, 0, 0 },
        [UC_FILL] = { m_fill, 1, 0, 0, 0 },
        [UC_PEEK] = { m_peek, 1, 0, 1, 0 },
        [UC_VALUE] = { m_value, 0, 0, 1, 0 },
        [UC_COUNT] = { m_count, VAR, 0, VAR, 0 },
};

static ioreg_return_t uc_init(ioreg_user_client *uc, uint32_t type, void *userdata) {
        Client *c = calloc(1, sizeof(*c));

        if (!c)
                return IOREG_RETURN_NO_MEMORY;
        if (type == UC_TYPE_REFUSE) {
                free(c);
                return IOREG_RETURN_NOT_PERMITTED;
        }
        c->uc = uc;
        c->memfd = memfd_create("uc-test", MFD_CLOEXEC);
        if (c->memfd < 0 || ftruncate(c->memfd, UC_PAGE) < 0 ||
            (c->memory = mmap(NULL, UC_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, c->memfd, 0)) == MAP_FAILED) {
                if (c->memfd >= 0)
                        close(c->memfd);
                free(c);
                return IOREG_RETURN_NO_RESOURCES;
        }
        ioreg_user_client_set_context(uc, c);
        return IOREG_RETURN_SUCCESS;
}

static void uc_free(ioreg_user_client *uc) {
        Client *c = client_of(uc);

        for (unsigned i = 0; i < 16; i++)
                c->timers[i] = sd_event_source_disable_unref(c->timers[i]);
        munmap(c->memory, UC_PAGE);
        close(c->memfd);
        free(c);
}

static void uc_close(ioreg_user_client *uc, void *userdata) {
        touch("close", ioreg_user_client_get_type(uc));
        uc_free(uc);
}

static void uc_died(ioreg_user_client *uc, void *userdata) {
        touch("died", ioreg_user_client_get_type(uc));
        uc_free(uc);
}

static ioreg_return_t uc_memory(ioreg_user_client *uc, uint32_t type, int *ret_fd, uint64_t *ret_size, void *u) {
        if (type != 0)
                return IOREG_RETURN_UNSUPPORTED;
        *ret_fd = client_of(uc)->memfd;
        *ret_size = UC_PAGE;
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t uc_set_properties(ioreg_user_client *uc, json_t *props, void *u) {
        json_t *v = json_object_get(props, "Value");

        if (!json_is_integer(v))
                return IOREG_RETURN_BAD_ARGUMENT;
        client_of(uc)->value = json_integer_value(v);
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t start(ioreg_driver *d, void *userdata) {
        json_t *props = json_pack("{s:I}", "TestServerPID", (json_int_t) getpid());
        ioreg_return_t r = ioreg_driver_set_properties(d, props);

        json_decref(props);
        return r;
}

int main(void) {
        static const ioreg_user_client_class test_client = {
                .name = "UCTestUserClient",
                .methods = methods,
                .n_methods = UC_METHOD_COUNT,
                .init = uc_init,
                .client_close = uc_close,
                .client_died = uc_died,
                .client_memory_for_type = uc_memory,
                .set_properties = uc_set_properties,
        };
        static const ioreg_user_client_class admin_client = {
                .methods = methods,
                .n_methods = UC_METHOD_COUNT,
                .requires_administrator = 1,
                .init = uc_init,
                .client_close = uc_close,
                .client_died = uc_died,
        };
        static const ioreg_driver_class classes[] = {
                { .name = "UCTestDriver", .start = start, .user_client = &test_client },
                { .name = "UCPolkitDriver", .start = start, .user_client = &test_client },
                { .name = "UCAdminDriver", .start = start, .user_client = &admin_client },
                { .name = "UCNoneDriver", .start = start },
        };

        return ioreg_driver_server_run(classes, 4, NULL);
}
