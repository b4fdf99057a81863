#!/usr/bin/env python3
"""stub_library.py LIBRARY OUTDIR: a stand-in for a shared library, for benchmarks/device/bundle.sh.

The stand-in has the library's soname and exports every name the library exports, with the same
symbol versions, and nothing behind them: functions return 0, objects are zeroed memory of the
original size. It lets a program load whose dependencies include libraries it never calls (here:
the codecs, network protocols and hardware acceleration Debian's FFmpeg links, and MPI, which a
plain run does not start) on a machine that lacks them. A call into a stand-in returns 0; one
that matters shows as a failed run, never as a wrong number: the bundle is checked against the
installed libraries before it is used (bundle.sh)."""
import collections
import os
import re
import subprocess
import sys

library, outdir = sys.argv[1], sys.argv[2]
dynamic = subprocess.run(["readelf", "-d", library], capture_output=True, text=True, check=True)
soname = re.search(r"soname: \[(.*?)\]", dynamic.stdout).group(1)
table = subprocess.run(["readelf", "--dyn-syms", "-W", library], capture_output=True, text=True,
                       check=True).stdout.splitlines()

definitions = []
names_by_version = collections.defaultdict(list)  # None: unversioned
seen = set()
for line in table:
    field = line.split()
    if len(field) < 8 or not field[0].rstrip(":").isdigit():
        continue
    _, _, size, kind, binding, _, section, name = field[:8]
    # UND: imported; ABS: the version nodes themselves
    if section in ("UND", "ABS") or binding not in ("GLOBAL", "WEAK"):
        continue
    if kind not in ("FUNC", "IFUNC", "OBJECT", "TLS"):
        continue
    base, _, version = name.partition("@")
    if version.startswith("@"):
        version = version[1:]
    elif version:
        continue  # a non-default (older) version: programs built on this system bind the default
    if base in seen:
        continue
    seen.add(base)
    if kind in ("OBJECT", "TLS"):
        bytes_ = max(int(size, 0), 1)
        thread = "__thread " if kind == "TLS" else ""
        definitions.append(f"{thread}char {base}[{bytes_}] __attribute__((aligned(64)));")
    else:
        definitions.append(f"long {base}(void) {{ return 0; }}")
    names_by_version[version or None].append(base)

os.makedirs(outdir, exist_ok=True)
source = os.path.join(outdir, soname + ".c")
with open(source, "w") as f:
    f.write("\n".join(definitions) + "\n")
command = ["gcc", "-shared", "-fPIC", "-w", "-fno-builtin", "-o", os.path.join(outdir, soname),
           source, f"-Wl,-soname,{soname}"]
versions = [v for v in names_by_version if v]
script = os.path.join(outdir, soname + ".map")
if versions:
    if None in names_by_version:  # unversioned names join the first node; plain references bind
        names_by_version[versions[0]] += names_by_version.pop(None)
    with open(script, "w") as f:
        for v in versions:
            f.write(f"{v} {{ global: " + " ".join(n + ";" for n in names_by_version[v]) + " };\n")
    command.append(f"-Wl,--version-script,{script}")
subprocess.run(command, check=True)
os.remove(source)
if versions:
    os.remove(script)
