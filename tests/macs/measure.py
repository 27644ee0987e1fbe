#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""measure.py: how faithful ioreg and the matcher are to real Macs (issue 16).

For every real macOS ioreg dump in the folders given:
  load      ioreg --from=DUMP loads it (exit status 0);
  reprint   ioreg --from=DUMP with the options the dump was made with
            (inferred from its shape, below; a dump printed to a
            terminal is reprinted at its width, without the shell prompt
            around it) prints it again: the share of
            the dump's lines that come back identical (difflib's matching
            blocks), and whether the whole file is identical. Retain counts
            are normalised (the kernel reads them anew for every line, a
            snapshot keeps one per entry). Dumps post-processed into
            "class: A:B:C" lines are loaded but not reprinted.
  matching  ioreg --from=DUMP --personalities=DIR... --explain
            --mac-drivers=aside: for each (nub, driver) pair of the dump
            whose driver class is the IOClass of a personality that is a
            candidate on that nub (and the dump shows the nub's
            properties), is the predicted winner of that
            personality's category the Mac's driver? An agreement is "by
            accident" when another candidate of the category had the same
            score (catalogue order decided). A driver counts when a
            personality with its IOClass (from its CFBundleIdentifier's
            kext, and its IOPersonalityPublisher's plist when it shows one)
            is among the candidates. As on the Mac, the catalogue
            holds only the kexts that Mac loaded: the personality files with
            a bundle (CFBundleIdentifier) or a driver class the dump shows.

usage: measure.py --ioreg PATH [--personalities DIR]... [--markdown] [--min-loaded-share F]
                  [--min-identical F] [--min-agreement F] [--max-by-accident N] DUMP_OR_DIR...
With a --min-* option it exits 1 when a figure is below it (for tests).
"""
import argparse
import difflib
import json
import os
import plistlib
import re
import subprocess
import sys
import tempfile

OBJECT = re.compile(r'^([ |]*)\+-o (.*?)  <class ([^,>]+)(?:, id (0x[0-9a-f]+))?')
PROPERTY = re.compile(r'^[ |]*  "([^"]+)" = (.*)$')
HEADER = re.compile(r'^(.*)  <class (.+), id (0x[0-9a-f]+)>$')
CANDIDATE = re.compile(r'^  (\S+) +(-|-?\d+) +(-|-?\d+)  (\S+) +"(.*)" \((.*?)\)(?: (failed at|started|held by) (\S*))?'
                       r'(?: \(no \S+\))?(?: \(a tie: catalogue order decided\))?$')


def read_lines(path):
    with open(path, 'rb') as f:
        return f.read().decode('utf-8', 'surrogateescape').split('\n')


def parse_dump(lines):
    """Entries (id, depth, class, parent id, properties of interest) in the order shown."""
    nodes, stack, current = [], [], None
    for line in lines:
        m = OBJECT.match(line)
        if m:
            depth = len(m.group(1)) // 2
            node = {'id': m.group(4), 'name': m.group(2), 'class': m.group(3).split(':')[0], 'depth': depth,
                    'props': {}}
            del stack[depth:]
            node['parent'] = stack[-1]['id'] if stack else None
            stack.append(node)
            nodes.append(node)
            current = node
            continue
        m = PROPERTY.match(line)
        if m and current is not None:
            current['props'][m.group(1)] = m.group(2)
    return nodes


def dump_lines(lines):
    """The dump without a shell prompt and command before it, or a prompt after it."""
    first = next((i for i, l in enumerate(lines) if OBJECT.match(l) or l.startswith('+-o ')), 0)
    last = max((i for i, l in enumerate(lines) if l[:1] in ('+', ' ', '|')), default=len(lines) - 1)
    return lines[first:last + 1]


def clip_width(lines):
    """The terminal width the dump was clipped at (lines cut to width - 1 and a '$'), or 0."""
    width = max((len(l) for l in lines if l.endswith('$')), default=0)
    if max((len(l) for l in lines), default=0) > width:
        return 0  # printed without a width: longer lines than those ending in '$'
    return width if sum(1 for l in lines if len(l) == width and l.endswith('$')) >= 2 else 0


def infer_options(lines, nodes):
    """The ioreg options that printed the dump, from its shape; None when no ioreg prints it."""
    text = '\n'.join(lines)
    if not re.search(r'  <class ', text):
        return None  # post-processed: "+-o Name class: A:B:C"
    opts = []
    first = next((l for l in lines if OBJECT.match(l)), '')
    if not first.startswith('+-o Root'):
        opts.append('-r')
    with_props = [n for n in nodes if n['props']]
    classes = sorted({n['class'] for n in with_props})
    if '-r' in opts and len(classes) == 1:
        # -r -c CLASS: the subtrees of CLASS's objects; only the top ones shown: -d 1.
        opts += ['-c', classes[0]]
        if max(n['depth'] for n in nodes) == 0:
            opts += ['-d', '1']
    elif nodes and len(with_props) >= len([n for n in nodes if n['id']]) * 0.9:
        opts.append('-l')
    elif with_props:
        opts += ['-c', classes[0]]
    if re.search(r'^[ |]*    [0-9A-F]{8}: ', text, re.M):
        opts.append('-f')
    if re.search(r'<class [A-Za-z0-9_]+:[A-Za-z0-9_:]+, id', text):
        opts.append('-i')
    if re.search(r'^[ |]*  "[^"]+" = 0x[0-9a-f]+$', text, re.M):
        opts.append('-x')
    top = [n for n in nodes if n['depth'] == 1]
    if first.startswith('+-o Root') and top and all('USB' in n['class'] for n in top):
        opts += ['-p', 'IOUSB']
    width = clip_width(lines)
    return opts + ([f'-w{width}'] if width else ['-w0'])


def normalise(lines):
    out = [re.sub(r', retain [0-9]+>$', ', retain N>', l) for l in lines]
    while out and re.match(r'^[ |]*$', out[-1]):
        out.pop()
    return out


def reprint(ioreg, path, lines, opts):
    p = subprocess.run([ioreg, '--from=' + path] + opts, capture_output=True)
    if p.returncode != 0:
        return None
    a = normalise(lines)
    b = normalise(p.stdout.decode('utf-8', 'surrogateescape').split('\n'))
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    same = sum(block.size for block in sm.get_matching_blocks())
    return same, len(a), a == b


def personality_classes(dirs):
    """(name, bundle) -> (IOClass, merge-only) for every personality in the folders, as ioregd reads
    them; and per file, the bundles and IOClasses it has."""
    out, files = {}, {}

    def add(path, top, personalities):
        for key, value in personalities.items():
            if not isinstance(value, dict):
                continue
            bundle = value.get('CFBundleIdentifier', top.get('CFBundleIdentifier', ''))
            merge = 'IOProviderMergeProperties' in value and 'IOUserServerName' not in value
            out[(key, bundle)] = (value.get('IOClass', 'IOService'), merge, top.get('CFBundleIdentifier', ''))
            f = files.setdefault(path, (set(), set()))
            f[0].add(bundle)
            f[1].add(value.get('IOClass', 'IOService'))

    def load(path):
        try:
            if path.endswith('.json'):
                with open(path) as f:
                    top = json.load(f)
            else:
                with open(path, 'rb') as f:
                    top = plistlib.load(f)
        except Exception:
            return
        if not isinstance(top, dict):
            return
        for k, v in top.items():
            if (k == 'IOKitPersonalities' or k.startswith('IOKitPersonalities_')) and isinstance(v, dict):
                add(path, top, v)

    for d in dirs:
        for root, _, names in os.walk(d):
            for name in names:
                if name.endswith(('.json', '.plist')):
                    load(os.path.join(root, name))
    return out, files


def loaded_files(files, nodes):
    """The personality files of the kexts that Mac loaded: a bundle or a driver class the dump shows."""
    bundles = {n['props'].get('CFBundleIdentifier', '').strip('"') for n in nodes}
    classes = {n['class'] for n in nodes}
    return sorted(p for p, (b, c) in files.items() if b & bundles or c & classes)


def parse_explain(text):
    """nub id -> list of candidates (outcome, passive score, category, name, bundle)."""
    out, current = {}, None
    for line in text.split('\n'):
        m = HEADER.match(line)
        if m and not line.startswith('  '):
            # An entry under several parents is listed under each: its candidates once.
            current = None if m.group(3) in out else out.setdefault(m.group(3), [])
            continue
        m = CANDIDATE.match(line)
        if m and current is not None:
            score = None if m.group(2) == '-' else int(m.group(2))
            current.append({'outcome': m.group(1), 'score': score, 'category': m.group(4),
                            'name': m.group(5), 'bundle': m.group(6)})
    return out


def same_bundle(plist_id, mac_id):
    """An Info.plist checked in before Xcode expanded it names its bundle "x.${PRODUCT_NAME…}"."""
    m = re.search(r'\$[({]', plist_id)
    # Only a variable ("$(PRODUCT_BUNDLE_IDENTIFIER)"): nothing to compare, so not the same.
    return plist_id == mac_id or (m is not None and m.start() > 0 and mac_id.startswith(plist_id[:m.start()]))


def check_matching(ioreg, path, opts, files, classes, nodes, report, report_scores, score_counts):
    plane = opts[opts.index('-p') + 1] if '-p' in opts else 'IOService'
    with tempfile.TemporaryDirectory() as tmp:
        for i, f in enumerate(loaded_files(files, nodes)):
            os.symlink(os.path.abspath(f), os.path.join(tmp, f'{i:03d}-' + os.path.basename(f)))
        cmd = [ioreg, '--from=' + path, '-p', plane, '--explain', '--mac-drivers=aside', '--personalities=' + tmp]
        p = subprocess.run(cmd, capture_output=True)
    if p.returncode != 0:
        return 0, 0, 0
    cands = parse_explain(p.stdout.decode('utf-8', 'surrogateescape'))
    by_id = {n['id']: n for n in nodes if n['id']}
    # Per driver: (checkable, agrees, by accident, what was predicted) on each parent it is shown under.
    verdicts = {}
    for d in nodes:
        nub = by_id.get(d['parent'])
        # A nub the dump shows without properties cannot be matched on keys: not checkable.
        if not nub or not nub['props'] or not d['id']:
            continue
        drv_props = by_id[d['id']]['props']
        drv_class = drv_props.get('IOClass', '').strip('"') or d['class']
        drv_bundle = drv_props.get('CFBundleIdentifier', '').strip('"')
        # The kext whose Info.plist held the personality, when the Mac says (IOPersonalityPublisher).
        publisher = drv_props.get('IOPersonalityPublisher', '').strip('"')
        mine = [c for c in cands.get(nub['id'], [])
                if classes.get((c['name'], c['bundle']), ('', True))[:2] == (drv_class, False) and
                (not drv_bundle or same_bundle(c['bundle'], drv_bundle)) and
                (not publisher or same_bundle(classes[(c['name'], c['bundle'])][2], publisher))]
        # Without the driver's own properties, only a personality of ours that matches says it was
        # the one the Mac used (the Mac may have had another with the same IOClass).
        if not drv_bundle:
            mine = [c for c in mine if c['outcome'] != 'no-match']
        if not mine:
            continue
        category = mine[0]['category']
        in_cat = [c for c in cands[nub['id']] if c['category'] == category and c['outcome'] in ('winner', 'lost')]
        winner = next((c for c in in_cat if c['outcome'] == 'winner'), None)
        ok = winner is not None and classes.get((winner['name'], winner['bundle']), ('',))[0] == drv_class
        tie = ok and any(c is not winner and c['score'] == winner['score'] for c in in_cat)
        got = f'"{winner["name"]}" ({winner["bundle"]})' if winner else 'nothing'
        recorded = drv_props.get('IOProbeScore')
        # The score the Mac recorded on its driver (IOProbeScore after probe) against the predicted one.
        score_same = None if recorded is None or not ok else str(winner['score']) == recorded
        v = (ok and not tie, ok and tie, f'{nub["name"]} ({nub["id"]}): Mac {drv_class}, predicted {got}',
             score_same, f'{nub["name"]} ({nub["id"]}): {drv_class} recorded {recorded}, predicted '
             f'{winner["score"] if winner else "-"}')
        # A driver shown under several parents (it opened more than one provider) agrees on any of them.
        prev = verdicts.get(d['id'])
        if not prev or (v[0], v[1]) > (prev[0], prev[1]):
            verdicts[d['id']] = v
    checked = len(verdicts)
    agree = sum(1 for v in verdicts.values() if v[0])
    ties = sum(1 for v in verdicts.values() if v[1])
    scores = [v[3] for v in verdicts.values() if v[3] is not None]
    report_scores.extend(f'  score differs: {os.path.basename(path)}: {v[4]}' for v in verdicts.values()
                         if v[3] is False)
    score_counts[0] += sum(scores)
    score_counts[1] += len(scores)
    for v in verdicts.values():
        if v[1]:
            report.append(f'  tie: {os.path.basename(path)}: {v[2]}')
        elif not v[0]:
            report.append(f'  disagree: {os.path.basename(path)}: {v[2]}')
    return checked, agree, ties


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ioreg', required=True)
    ap.add_argument('--personalities', action='append', default=[])
    ap.add_argument('--markdown', action='store_true')
    ap.add_argument('--min-loaded-share', type=float)
    ap.add_argument('--min-identical', type=float)
    ap.add_argument('--min-agreement', type=float)
    ap.add_argument('--max-by-accident', type=int)
    ap.add_argument('dumps', nargs='+')
    args = ap.parse_args()

    files = []
    for d in args.dumps:
        if os.path.isdir(d):
            files += sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith('.txt'))
        else:
            files.append(d)
    classes, pfiles = personality_classes(args.personalities)
    rows, report, report_scores, score_counts = [], [], [], [0, 0]
    tot = {'files': 0, 'loaded': 0, 'same': 0, 'lines': 0, 'identical': 0, 'reprinted': 0,
           'checked': 0, 'agree': 0, 'ties': 0}
    for path in files:
        lines = dump_lines(read_lines(path))
        nodes = parse_dump(lines)
        opts = infer_options(lines, nodes)
        tot['files'] += 1
        loaded = subprocess.run([args.ioreg, '--from=' + path] + (['-p', opts[opts.index('-p') + 1]]
                                if opts and '-p' in opts else []), capture_output=True).returncode == 0
        tot['loaded'] += loaded
        row = [os.path.basename(path), 'yes' if loaded else 'NO', ' '.join(opts) if opts else '(not ioreg output)']
        if loaded and opts is not None:
            r = reprint(args.ioreg, path, lines, opts)
            if r:
                same, n, identical = r
                tot['same'] += same
                tot['lines'] += n
                tot['identical'] += identical
                tot['reprinted'] += 1
                row += [f'{same}/{n} ({100.0 * same / max(n, 1):.2f} %)', 'yes' if identical else 'no']
            else:
                row += ['failed', 'no']
        else:
            row += ['-', '-']
        if loaded and args.personalities:
            c, a, t = check_matching(args.ioreg, path, opts or ['-w0'], pfiles, classes, nodes, report,
                                     report_scores, score_counts)
            tot['checked'] += c
            tot['agree'] += a
            tot['ties'] += t
            row.append(f'{a + t}/{c}' + (f' ({t} by accident)' if t else '') if c else '-')
        else:
            row.append('-')
        rows.append(row)

    share_loaded = tot['loaded'] / max(tot['files'], 1)
    share_same = tot['same'] / max(tot['lines'], 1)
    share_agree = tot['agree'] / max(tot['checked'], 1)
    if args.markdown:
        print('| dump | loads | options inferred | lines reprinted identically | file identical | '
              '(nub, driver) pairs agreeing |')
        print('|---|---|---|---:|---|---:|')
        for r in rows:
            print('| ' + ' | '.join(r) + ' |')
        print()
    else:
        for r in rows:
            print('  '.join(r))
    print(f'dumps loaded: {tot["loaded"]}/{tot["files"]}')
    print(f'lines reprinted identically: {tot["same"]}/{tot["lines"]} ({100.0 * share_same:.2f} %), '
          f'{tot["identical"]}/{tot["reprinted"]} files byte-identical')
    if args.personalities:
        print(f'(nub, driver) pairs checked: {tot["checked"]}, agree: {tot["agree"]} '
              f'({100.0 * share_agree:.2f} %), agree by accident: {tot["ties"]}, '
              f'disagree: {tot["checked"] - tot["agree"] - tot["ties"]}')
        print(f'of the agreeing drivers that show their IOProbeScore, the same score predicted: '
              f'{score_counts[0]}/{score_counts[1]}')
    for line in report + report_scores:
        print(line)
    failed = ((args.min_loaded_share is not None and share_loaded < args.min_loaded_share) or
              (args.min_identical is not None and share_same < args.min_identical) or
              (args.min_agreement is not None and share_agree < args.min_agreement) or
              (args.max_by_accident is not None and tot['ties'] > args.max_by_accident))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
