# SPDX-License-Identifier: LGPL-2.1-or-later
# fish completion for ioregd(8).
complete -c ioregd -f
complete -c ioregd -l bus-address -x -a 'unix:path= unix:abstract=' -d 'serve on this bus'
complete -c ioregd -l sysfs-root -x -a '(__fish_complete_directories)' -d 'identity and device tree below this folder'
complete -c ioregd -l no-udev -d 'no devices'
complete -c ioregd -l personalities -x -a '(__fish_complete_directories)' -d 'also read personalities from'
complete -c ioregd -l snapshot -r -F -d 'serve a saved macOS registry'
complete -c ioregd -l mac-drivers -x -a 'keep aside' -d "with --snapshot: the saved Mac's own drivers"
complete -c ioregd -l snapshot-plane -x -a 'IOService IOPower IOUSB IODeviceTree' -d 'the plane the dump shows'
complete -c ioregd -l notify-limit -x -d 'events pending per subscription'
complete -c ioregd -l max-message-size -x -d 'no answer or signal larger, bytes'
complete -c ioregd -l power-poll -x -d 'runtime PM poll interval in ms'
complete -c ioregd -l logind-bus -x -a 'system none unix:path=' -d 'where logind is'
complete -c ioregd -l sleep-timeout -x -d 'how long sleep waits, in ms'
complete -c ioregd -l trust -x -a 'yes no' -d 'refuse untrusted personality files'
complete -c ioregd -s v -l verbose -d 'debug messages'
complete -c ioregd -s h -l help -d 'show the help'
complete -c ioregd -l version -d 'show the version'
