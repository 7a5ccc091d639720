#!/usr/bin/env python3
"""Finds import circles between the modules of a crate (`make lint` runs it on app/ and server/).

A module is a file (features/sales/api.rs -> features::sales::api; mod.rs and lib.rs -> their
folder). An import is any `crate::`, `super::` or `self::` path outside `#[cfg(test)] mod tests`,
resolved to the longest module it names; a module's imports of its own parents do not count.
Modules that reach each other form a circle; so do features (`features::<name>`) whose modules
reach each other. Exits 1 when there is a circle. `--edges` also prints every import.

    scripts/module-circles.py app/src server/src [--edges]
"""
import os
import re
import sys


def modules(root):
    found = {}
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith('.rs'):
                path = os.path.join(folder, name)
                parts = os.path.relpath(path, root)[:-3].split(os.sep)
                if parts[-1] in ('mod', 'lib', 'main'):
                    parts = parts[:-1]
                found[tuple(parts)] = path
    return found


def expand_groups(text):
    """`crate::{a::b, c}` -> `crate::a::b crate::c`, innermost groups first."""
    group = re.compile(r'((?:\w+::)+)\{([^{}]*)\}')
    while True:
        expanded = group.sub(
            lambda m: ' '.join(m.group(1) + item.strip() for item in m.group(2).split(',') if item.strip()),
            text)
        if expanded == text:
            return text
        text = expanded


def imports(mods):
    edges = {m: set() for m in mods}
    for module, path in mods.items():
        text = open(path, encoding='utf-8').read()
        tests = text.find('#[cfg(test)]\nmod tests')
        if tests >= 0:
            text = text[:tests]
        text = re.sub(r'//.*', '', text)
        text = expand_groups(text)
        for found in re.findall(r'\b((?:crate|super|self)(?:::\w+)+)', text):
            parts = found.split('::')
            if parts[0] == 'crate':
                target = parts[1:]
            else:
                target = list(module)
                if parts[0] == 'self':
                    parts = parts[1:]
                while parts and parts[0] == 'super':
                    parts, target = parts[1:], target[:-1]
                target += parts
            for n in range(len(target), 0, -1):
                if tuple(target[:n]) in mods:
                    hit = tuple(target[:n])
                    if hit != module and module[:len(hit)] != hit:
                        edges[module].add(hit)
                    break
    return edges


def circles(edges):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    sys.setrecursionlimit(10000)
    for v in list(edges):
        if v not in index:
            visit(v)
    return found


def name(module):
    return '::'.join(module) or 'crate'


def main():
    roots = [a for a in sys.argv[1:] if not a.startswith('--')] or ['app/src']
    bad = False
    for root in roots:
        mods = modules(root)
        edges = imports(mods)
        if '--edges' in sys.argv:
            for a in sorted(edges, key=name):
                if edges[a]:
                    print(f'{root}: {name(a)} -> {", ".join(sorted(name(b) for b in edges[a]))}')
        features = {}
        for a, targets in edges.items():
            for b in targets:
                if len(a) > 1 and len(b) > 1 and a[0] == b[0] == 'features' and a[1] != b[1]:
                    features.setdefault(a[:2], set()).add(b[:2])
        found = circles(edges) + circles(features)
        count = sum(len(t) for t in edges.values())
        print(f'{root}: {len(mods)} modules, {count} imports between them, {len(found)} circles')
        for component in found:
            print('  circle: ' + ' <-> '.join(sorted(name(m) for m in component)))
        bad = bad or bool(found)
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
