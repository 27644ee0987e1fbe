#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""check-cycles.py ARCHIVE...: no two source files call each other.

The file call graph comes from the objects themselves (nm): file A calls
file B when A's object has an undefined symbol that B's object defines.
Every strongly connected component of more than one file is a cycle; each
is printed with the symbols that make it, and the check fails.
--self-test builds two files that call each other and expects a failure.
"""
import collections
import os
import subprocess
import sys
import tempfile


def graph(archives):
    defs, uses = {}, collections.defaultdict(set)
    for a in archives:
        out = subprocess.run(['nm', '-A', a], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            where, _, rest = line.rpartition(':')
            member = os.path.basename(a) + ':' + where.rsplit(':', 1)[-1]
            parts = rest.split()
            if len(parts) == 3 and parts[1] in 'TDRB':
                defs[parts[2]] = member
            elif len(parts) == 2 and parts[0] == 'U':
                uses[member].add(parts[1])
    edges = collections.defaultdict(dict)
    for f, syms in uses.items():
        for s in syms:
            g = defs.get(s)
            if g and g != f:
                edges[f].setdefault(g, []).append(s)
    return edges


def cycles(edges):
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(100000)
    for v in list(edges):
        if v not in index:
            visit(v)
    return out


def check(archives):
    edges = graph(archives)
    found = cycles(edges)
    for comp in found:
        print('cycle: ' + ' '.join(comp))
        for a in comp:
            for b, syms in sorted(edges[a].items()):
                if b in comp:
                    print(f'    {a} -> {b}: {" ".join(sorted(syms))}')
    n = len({f for f in edges} | {g for f in edges for g in edges[f]})
    print(f'{n} files in {len(archives)} archives, {len(found)} call cycles')
    return 1 if found else 0


def self_test():
    with tempfile.TemporaryDirectory() as d:
        for name, text in (('a.c', 'int b(int);\nint a(int x) { return x ? b(x - 1) : 0; }\n'),
                           ('b.c', 'int a(int);\nint b(int x) { return x ? a(x - 1) : 1; }\n')):
            with open(os.path.join(d, name), 'w') as f:
                f.write(text)
            subprocess.run(['cc', '-c', '-o', os.path.join(d, name + '.o'), os.path.join(d, name)], check=True)
        lib = os.path.join(d, 'libab.a')
        subprocess.run(['ar', 'rc', lib, os.path.join(d, 'a.c.o'), os.path.join(d, 'b.c.o')], check=True)
        if check([lib]) != 1:
            print('self-test: a.c <-> b.c was not found')
            return 1
    print('self-test: a.c <-> b.c found, as it must be')
    return 0


if __name__ == '__main__':
    if sys.argv[1:] == ['--self-test']:
        sys.exit(self_test())
    sys.exit(check(sys.argv[1:]))
