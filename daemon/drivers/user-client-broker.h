/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * user-client-broker.h: the user clients ioregd made (IOServiceOpen): one
 * registry entry per connection, below its driver in the IOService plane,
 * of the class the driver server named (defined below IOUserClient when
 * new), remembered with the server connection and handle that name it in
 * UserClientClosed. No sd-bus here (bus-user-client.c is the bus side).
 *
 * An entry leaves with its driver's subtree (the driver stopped, its server
 * crashed) or when the server reports the connection closed; records of
 * entries that left are pruned as the broker is used.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "registry.h"

typedef struct UserClientBroker UserClientBroker;

/* reg is borrowed and must outlive the broker. */
int user_client_broker_new(Registry *reg, UserClientBroker **ret);
UserClientBroker *user_client_broker_free(UserClientBroker *b);

/*
 * Creates the user client entry of class_name below driver and records it
 * for (server, handle). uid and pid describe the opener (IOUserClientCreator).
 * -EOPNOTSUPP when class_name exists and is no IOUserClient. *ret borrowed.
 */
int user_client_broker_add(UserClientBroker *b, Entry *driver, const char *class_name, const char *server,
                           uint64_t handle, uid_t uid, pid_t pid, Entry **ret);

/*
 * Forgets the record of (server, driver_id, handle) and returns its entry
 * with the record's reference (entry_unref() it), or NULL when there is none
 * (unknown, or another server's: a server names only its own).
 */
Entry *user_client_broker_take(UserClientBroker *b, const char *server, uint64_t driver_id, uint64_t handle);

/* How many user clients are recorded (for tests). */
unsigned user_client_broker_count(UserClientBroker *b);
