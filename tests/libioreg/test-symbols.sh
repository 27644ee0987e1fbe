#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# libioreg.so exports ioreg_* and nothing else (libioreg.sym), carries its
# soname, and exports the issue's list of IOKitLib calls.
set -eu
lib=$1
out=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ { print $3 }' | sed 's/@.*//')
bad=$(printf '%s\n' "$out" | grep -v '^ioreg_' | grep -v '^LIBIOREG_0$' || true)
if [ -n "$bad" ]; then
        echo "symbols that are not ioreg_*:"; printf '%s\n' "$bad"; exit 1
fi
objdump -p "$lib" | grep -q 'SONAME *libioreg.so.0' || { echo "no soname libioreg.so.0"; exit 1; }
for f in ioreg_service_matching ioreg_service_name_matching ioreg_bsd_name_matching \
        ioreg_registry_entry_id_matching ioreg_service_get_matching_service ioreg_service_get_matching_services \
        ioreg_iterator_next ioreg_iterator_reset ioreg_iterator_is_valid ioreg_object_release ioreg_object_retain \
        ioreg_object_get_class ioreg_object_conforms_to ioreg_registry_get_root_entry ioreg_registry_entry_from_path \
        ioreg_registry_entry_get_name ioreg_registry_entry_get_name_in_plane ioreg_registry_entry_get_location_in_plane \
        ioreg_registry_entry_get_path ioreg_registry_entry_get_registry_entry_id ioreg_registry_entry_create_properties \
        ioreg_registry_entry_create_property ioreg_registry_entry_search_property ioreg_registry_entry_set_properties \
        ioreg_registry_entry_get_parent_entry ioreg_registry_entry_get_child_iterator \
        ioreg_registry_entry_get_parent_iterator ioreg_service_wait_quiet ioreg_service_get_busy_state \
        ioreg_notification_port_create ioreg_notification_port_destroy ioreg_service_add_matching_notification \
        ioreg_service_add_interest_notification ioreg_notification_port_get_fd ioreg_notification_port_dispatch \
        ioreg_notification_port_attach_event ioreg_return_string \
        ioreg_notification_port_stop ioreg_return_to_iokit ioreg_return_from_iokit ioreg_json_copy_data \
        ioreg_json_data_new ioreg_json_get_u8 ioreg_json_get_u16 ioreg_json_get_u32 ioreg_json_get_u64 \
        ioreg_json_get_i64 ioreg_json_release; do
        printf '%s\n' "$out" | grep -qx "$f" || { echo "missing export: $f"; exit 1; }
done
echo "$(printf '%s\n' "$out" | grep -c '^ioreg_') symbols, all ioreg_*"
