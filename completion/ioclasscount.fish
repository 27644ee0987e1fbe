# SPDX-License-Identifier: LGPL-2.1-or-later
# fish completion for ioclasscount(8): options and the registry's class names.
complete -c ioclasscount -f -a '(ioclasscount 2>/dev/null | string replace -r " = .*" "")'
complete -c ioclasscount -s j -l json -d 'JSON output'
complete -c ioclasscount -s H -l host -x -a '(__fish_print_hostnames)' -d 'ask ioregd on a host over ssh'
complete -c ioclasscount -l from -r -F -d 'count the classes of a saved registry'
complete -c ioclasscount -s h -l help -d 'show the help'
complete -c ioclasscount -l version -d 'show the version'
