#!/usr/bin/env python3
"""Prints the cycles of the file-level import graph of each crate's `src/`.

A file imports another when it names an item through `crate::` or `super::` paths
(in `use` trees, grouped or not, and inline paths); `mod` declarations and test modules
(`#[cfg(test)]` files named tests.rs) are not imports. Exit status 1 when a cycle exists.
"""
import os, re, sys

def files_of(src):
    out = []
    for root, _, names in os.walk(src):
        for n in names:
            if n.endswith('.rs'):
                out.append(os.path.relpath(os.path.join(root, n), src))
    return out

def module_of(path):
    parts = path[:-3].split('/')
    if parts[-1] in ('mod', 'lib', 'main'):
        parts = parts[:-1]
    return tuple(parts)

def expand_use(tree, prefix):
    """Paths of a use tree (without the trailing `;`)."""
    tree = tree.strip()
    i = tree.find('{')
    if i < 0:
        return [prefix + [s.strip() for s in re.split(r'::', tree.split(' as ')[0]) if s.strip()]]
    head = [s for s in tree[:i].split('::') if s.strip()]
    body = tree[i+1:tree.rfind('}')]
    items, depth, cur = [], 0, ''
    for ch in body:
        if ch == '{': depth += 1
        if ch == '}': depth -= 1
        if ch == ',' and depth == 0:
            items.append(cur); cur = ''
        else:
            cur += ch
    items.append(cur)
    out = []
    for it in items:
        if it.strip():
            out += expand_use(it, prefix + [h.strip() for h in head])
    return out

def strip_tests(text):
    # Drop `#[cfg(test)] mod tests { ... }` blocks.
    m = re.search(r'#\[cfg\(test\)\]\s*mod\s+\w+\s*\{', text)
    if not m:
        return text
    return text[:m.start()]

def main():
    root = sys.argv[1] if len(sys.argv) > 1 else '.'
    crates = [os.path.join(root, 'src')] + [os.path.join(root, 'crates', c, 'src') for c in sorted(os.listdir(os.path.join(root, 'crates')))]
    found = False
    for src in crates:
        if not os.path.isdir(src):
            continue
        files = [f for f in files_of(src) if not f.endswith('tests.rs') and '/tests/' not in f]
        by_module = {module_of(f): f for f in files}
        edges = {f: set() for f in files}
        # What each file re-exports: name -> the path it names.
        reexports = {}
        for f in files:
            text = strip_tests(open(os.path.join(src, f)).read())
            names = {}
            for m in re.finditer(r'\bpub(?:\([^)]*\))?\s+use\s+([^;]+);', text):
                for path in expand_use(m.group(1), []):
                    path = [x.strip() for x in path if x.strip()]
                    if not path or path[-1] in ('self', '*'):
                        continue
                    me = module_of(f)
                    if path[0] == 'crate':
                        full = path[1:]
                    elif path[0] == 'super':
                        full = list(me[:-1]) + path[1:]
                    elif path[0] == 'self':
                        full = list(me) + path[1:]
                    elif tuple(me) + (path[0],) in by_module:
                        full = list(me) + path
                    else:
                        continue
                    names[path[-1]] = full
            reexports[f] = names

        def resolve(full, depth):
            # The file naming `full`: the longest prefix naming a file, followed
            # through that file's re-exports.
            for k in range(len(full), 0, -1):
                target = by_module.get(tuple(full[:k]))
                if target:
                    if k < len(full) and depth < 8:
                        named = reexports.get(target, {}).get(full[k])
                        if named:
                            return resolve(named + full[k + 1:], depth + 1) or target
                    return target
            return None
        for f in files:
            text = strip_tests(open(os.path.join(src, f)).read())
            text = re.sub(r'//[^\n]*', '', text)
            me = module_of(f)
            paths = []
            for m in re.finditer(r'\buse\s+([^;]+);', text):
                paths += expand_use(m.group(1), [])
            inline = re.sub(r'\buse\s+[^;]+;', '', text)
            paths += [p.split('::') for p in re.findall(r'\b((?:crate|super)(?:::\w+)+)', inline)]
            for p in paths:
                p = [s.strip() for s in p if s.strip()]
                if not p:
                    continue
                if p[0] == 'crate':
                    base = []
                    rest = p[1:]
                elif p[0] == 'super':
                    base = list(me)
                    rest = p
                    while rest and rest[0] == 'super':
                        base = base[:-1]; rest = rest[1:]
                    if f.endswith('mod.rs') or f == 'lib.rs':
                        pass
                elif p[0] == 'self':
                    base = list(me); rest = p[1:]
                elif tuple(me) + (p[0],) in by_module:
                    base = list(me); rest = p
                else:
                    continue
                target = resolve(base + rest, 0)
                if target and target != f:
                    edges[f].add(target)
        # Tarjan SCC
        index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
        sys.setrecursionlimit(10000)
        def strong(v):
            index[v] = low[v] = counter[0]; counter[0] += 1
            stack.append(v); on.add(v)
            for w in edges[v]:
                if w not in index:
                    strong(w); low[v] = min(low[v], low[w])
                elif w in on:
                    low[v] = min(low[v], index[w])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop(); on.discard(w); comp.append(w)
                    if w == v: break
                if len(comp) > 1:
                    sccs.append(sorted(comp))
        for v in sorted(edges):
            if v not in index:
                strong(v)
        for comp in sccs:
            found = True
            print(f'{src}: cycle of {len(comp)} files: ' + ', '.join(comp))
    sys.exit(1 if found else 0)

main()
