/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-access-server.c: the driver server of bench-access. In Start it
 * times, in turns of blocks of 50, BenchSamples calls each of
 * - CopyProviderFD (ioreg_driver_copy_provider_fd()) on a closed provider:
 *   ioregd opens the device node and passes a dup of it (the handoff a
 *   driver pays at Start), then the fd is closed and CloseProvider called
 *   (not timed);
 * - OpenProvider on a closed provider: the same D-Bus round trip to ioregd
 *   with the same authorization and open record, and no fd; then
 *   CloseProvider (not timed).
 * It sets BenchFirstCopyNsec (the very first CopyProviderFD), and the p50
 * and p99 of each kind in nanoseconds (BenchCopyP50, BenchCopyP99,
 * BenchPlainP50, BenchPlainP99) on its entry, or BenchError.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <ioreg/ioreg.h>

#define BLOCK 50u

static uint64_t now_nsec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

static json_int_t percentile(uint64_t *v, unsigned n, unsigned p) {
        qsort(v, n, sizeof(*v), cmp_u64);
        return (json_int_t) v[(size_t) (n - 1) * p / 100];
}

/* One sample: the call timed, then the provider closed again. */
static ioreg_return_t sample(ioreg_driver *d, int copy, uint64_t *ret_nsec) {
        uint64_t t0 = now_nsec();
        ioreg_return_t r;
        int fd = -1;

        r = copy ? ioreg_driver_copy_provider_fd(d, &fd) : ioreg_driver_open_provider(d);
        *ret_nsec = now_nsec() - t0;
        if (fd >= 0)
                close(fd);
        if (r == IOREG_RETURN_SUCCESS)
                r = ioreg_driver_close_provider(d);
        return r;
}

static ioreg_return_t bench_start(ioreg_driver *d, void *userdata) {
        json_t *n_json = json_object_get(ioreg_driver_get_properties(d), "BenchSamples"), *out;
        unsigned n = json_is_integer(n_json) ? (unsigned) json_integer_value(n_json) : 1000u, have[2] = {};
        uint64_t *v[2], first = 0;
        ioreg_return_t r;

        v[0] = calloc(n ?: 1, sizeof(uint64_t));
        v[1] = calloc(n ?: 1, sizeof(uint64_t));
        if (!v[0] || !v[1] || n == 0) {
                free(v[0]);
                free(v[1]);
                return IOREG_RETURN_NO_MEMORY;
        }
        r = sample(d, 1, &first);
        for (unsigned round = 0; r == IOREG_RETURN_SUCCESS && have[1] < n; round++)
                for (unsigned i = 0; i < BLOCK && r == IOREG_RETURN_SUCCESS && have[round % 2] < n; i++) {
                        unsigned k = round % 2;

                        r = sample(d, (int) k, &v[k][have[k]]);
                        have[k]++;
                }
        if (r != IOREG_RETURN_SUCCESS)
                out = json_pack("{s:s}", "BenchError", ioreg_return_string(r));
        else
                out = json_pack("{s:I, s:I, s:I, s:I, s:I}", "BenchFirstCopyNsec", (json_int_t) first, "BenchCopyP50",
                                percentile(v[1], n, 50), "BenchCopyP99", percentile(v[1], n, 99), "BenchPlainP50",
                                percentile(v[0], n, 50), "BenchPlainP99", percentile(v[0], n, 99));
        free(v[0]);
        free(v[1]);
        r = ioreg_driver_set_properties(d, out);
        json_decref(out);
        return r;
}

int main(void) {
        static const ioreg_driver_class classes[] = {
                { .name = "BenchAccessDriver", .start = bench_start },
        };

        return ioreg_driver_server_run(classes, 1, NULL);
}
