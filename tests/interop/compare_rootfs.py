#!/usr/bin/env python3
# Compares two unpacked root filesystems entry by entry: paths, file types, permission bits
# (with setuid/setgid/sticky), numeric owners, file contents, symlink targets and device numbers.
# usage: compare_rootfs.py EXPECTED_DIR ACTUAL_DIR [--ignore PATH]...  (exit 1 on any difference)
import hashlib
import os
import stat
import sys


def describe(root):
    entries = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = "/" + os.path.relpath(full, root)
            st = os.lstat(full)
            kind = stat.S_IFMT(st.st_mode)
            entry = {
                "type": {stat.S_IFDIR: "dir", stat.S_IFREG: "file", stat.S_IFLNK: "symlink",
                         stat.S_IFIFO: "fifo", stat.S_IFCHR: "char", stat.S_IFBLK: "block",
                         stat.S_IFSOCK: "socket"}.get(kind, "?"),
                "mode": oct(stat.S_IMODE(st.st_mode)),
                "owner": "%d:%d" % (st.st_uid, st.st_gid),
            }
            if kind == stat.S_IFLNK:
                entry["target"] = os.readlink(full)
                entry.pop("mode")  # symlink permission bits mean nothing on Linux
            elif kind == stat.S_IFREG:
                with open(full, "rb") as f:
                    entry["sha256"] = hashlib.sha256(f.read()).hexdigest()
                entry["size"] = st.st_size
            elif kind in (stat.S_IFCHR, stat.S_IFBLK):
                entry["rdev"] = "%d,%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
            entries[rel] = entry
    return entries


def main():
    args = sys.argv[1:]
    ignored = set()
    while "--ignore" in args:
        i = args.index("--ignore")
        ignored.add(args[i + 1])
        del args[i:i + 2]
    if len(args) != 2:
        sys.exit(__doc__ if __doc__ else "usage: compare_rootfs.py EXPECTED ACTUAL [--ignore PATH]...")
    expected, actual = describe(args[0]), describe(args[1])
    differences = []
    for path in sorted(set(expected) | set(actual)):
        if path in ignored:
            continue
        if path not in actual:
            differences.append("only in %s: %s %s" % (args[0], path, expected[path]))
        elif path not in expected:
            differences.append("only in %s: %s %s" % (args[1], path, actual[path]))
        elif expected[path] != actual[path]:
            for key in sorted(set(expected[path]) | set(actual[path])):
                a, b = expected[path].get(key), actual[path].get(key)
                if a != b:
                    differences.append("%s: %s differs: %s vs %s" % (path, key, a, b))
    for d in differences:
        print(d)
    print("%d entries compared, %d differences" % (len(expected), len(differences)))
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
