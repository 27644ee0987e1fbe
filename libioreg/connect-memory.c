/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * connect-memory.c: IOConnectMapMemory64 / IOConnectUnmapMemory64. The
 * driver exports a file (a memfd) for a memory type; we map it shared, so
 * both sides see each other's writes. The mappings are the connection's:
 * its last release unmaps what is left.
 */

#include <errno.h>
#include <sys/mman.h>

#include "connect-internal.h"

ioreg_return_t ioreg_connect_map_memory(ioreg_connect_t connect, uint32_t memory_type, uint64_t *address,
                                        uint64_t *size, uint32_t options) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        LibConnect *c = lib_connect_cast(connect);
        uint64_t length = 0;
        ioreg_return_t ret;
        uint32_t result;
        void *p;
        sd_bus *peer;
        int fd = -1, r;

        if (!c || !address || !size || (options & ~(IOREG_MAP_ANYWHERE | IOREG_MAP_READ_ONLY)))
                return IOREG_RETURN_BAD_ARGUMENT;
        peer = lib_connect_lock(c, &ret);
        if (!peer)
                return ret;
        r = sd_bus_call_method(peer, NULL, USER_CLIENT_PATH, USER_CLIENT_INTERFACE, USER_CLIENT_MAP_MEMORY, &error,
                               &reply, "u", memory_type);
        if (r >= 0)
                r = sd_bus_message_read(reply, "ut", &result, &length);
        if (r >= 0 && result == IOREG_RETURN_SUCCESS)
                r = sd_bus_message_read(reply, "ah", 1, &fd);
        if (r < 0) {
                ret = lib_connect_failed(c, &error, r);
                goto out;
        }
        ret = (ioreg_return_t) result;
        if (ret != IOREG_RETURN_SUCCESS)
                goto out;
        if (length == 0 || length > SIZE_MAX) {
                ret = IOREG_RETURN_IPC_ERROR;
                goto out;
        }
        if (GROW(c->mappings, c->cap_mappings, c->n_mappings + 1) < 0) {
                ret = IOREG_RETURN_NO_MEMORY;
                goto out;
        }
        p = mmap(NULL, (size_t) length, PROT_READ | (options & IOREG_MAP_READ_ONLY ? 0 : PROT_WRITE), MAP_SHARED, fd,
                 0);
        if (p == MAP_FAILED) {
                ret = lib_return_from_errno(-errno);
                goto out;
        }
        c->mappings[c->n_mappings++] = (LibConnectMapping) { memory_type, p, (size_t) length };
        *address = (uint64_t) (uintptr_t) p;
        *size = length;
out:
        lib_connect_process(c);
        lib_connect_unlock(c);
        return ret;
}

ioreg_return_t ioreg_connect_unmap_memory(ioreg_connect_t connect, uint32_t memory_type, uint64_t address) {
        LibConnect *c = lib_connect_cast(connect);
        ioreg_return_t ret = IOREG_RETURN_NOT_FOUND;

        if (!c)
                return IOREG_RETURN_BAD_ARGUMENT;
        /* Not lib_connect_lock(): a dead connection's mappings can still be undone. */
        pthread_mutex_lock(&c->lock);
        for (unsigned i = 0; i < c->n_mappings; i++) {
                LibConnectMapping *mp = &c->mappings[i];

                if (mp->type != memory_type || (uint64_t) (uintptr_t) mp->address != address)
                        continue;
                (void) munmap(mp->address, mp->size);
                *mp = c->mappings[--c->n_mappings];
                ret = IOREG_RETURN_SUCCESS;
                break;
        }
        pthread_mutex_unlock(&c->lock);
        return ret;
}
