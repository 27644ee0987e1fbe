# SPDX-License-Identifier: LGPL-2.1-or-later
# fish completion for ioreg(8): options, the registry's planes for -p (the
# live daemon's, else the four ioregd builds), class names for -c.

function __ioreg_planes
    set -l bus --system
    set -q IOREG_BUS_ADDRESS; and set bus --address=$IOREG_BUS_ADDRESS
    set -l out (busctl $bus --timeout=1 get-property org.ioreg.Registry1 /org/ioreg/Registry1 \
        org.ioreg.Registry1 Planes 2>/dev/null | string split ' ')
    if test (count $out) -gt 2
        string trim -c '"' -- $out[3..-1]
    else
        printf '%s\n' IOService IOPower IOUSB IODeviceTree
    end
end

function __ioreg_classes
    ioclasscount 2>/dev/null | string replace -r ' = .*' ''
end

complete -c ioreg -f
complete -c ioreg -s a -d 'archive output (XML plist)'
complete -c ioreg -s b -d 'show object names in bold'
complete -c ioreg -s c -x -a '(__ioreg_classes)' -d 'list properties of objects of the class'
complete -c ioreg -s d -x -d 'limit the tree to the depth'
complete -c ioreg -s f -d 'smart formatting'
complete -c ioreg -s i -d 'show object inheritance'
complete -c ioreg -s j -d 'JSON output'
complete -c ioreg -s k -x -d 'list properties of objects with the key'
complete -c ioreg -s l -d 'list properties of all objects'
complete -c ioreg -s L -l linux -d 'vendor:product, names, node, driver, PCI address'
complete -c ioreg -s n -x -d 'list properties of objects with the name'
complete -c ioreg -s p -x -a '(__ioreg_planes)' -d 'traverse the plane'
complete -c ioreg -s r -d 'show subtrees rooted at matching objects'
complete -c ioreg -s s -d 'accepted for compatibility'
complete -c ioreg -s S -d 'accepted for compatibility'
complete -c ioreg -s t -d 'show the location of each subtree'
complete -c ioreg -s w -x -d 'clip to the line length'
complete -c ioreg -s x -d 'numbers and data in hexadecimal'
complete -c ioreg -s y -d 'do not consider DriverKit classes with -c'
complete -c ioreg -l from -r -F -d 'read a saved registry'
complete -c ioreg -l explain -d "the matcher's verdicts"
complete -c ioreg -l personalities -x -a '(__fish_complete_directories)' -d 'with --from --explain: personalities to try'
complete -c ioreg -l mac-drivers -x -a 'keep aside' -d "the saved registry's own drivers"
complete -c ioreg -l monitor -d 'events as they happen'
complete -c ioreg -l wait-quiet -d 'wait for a quiet registry'
complete -c ioreg -s H -l host -x -a '(__fish_print_hostnames)' -d 'ask ioregd on a host over ssh'
complete -c ioreg -s h -l help -d 'show the help'
complete -c ioreg -l version -d 'show the version'
