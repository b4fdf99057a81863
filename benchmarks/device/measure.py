#!/usr/bin/env python3
"""measure.py LOGPREFIX CMD...: run CMD, stdout/stderr to LOGPREFIX.{log,err}; print and append
to times.txt beside it: name, exit code, wall seconds, peak RSS of the child (MB)."""
import os, resource, subprocess, sys, time
prefix, cmd = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
with open(prefix + ".log", "w") as out, open(prefix + ".err", "w") as err:
    try:
        rc = subprocess.run(cmd, stdout=out, stderr=err, timeout=90).returncode
    except subprocess.TimeoutExpired:
        rc = 124
wall = time.monotonic() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
line = f"{os.path.basename(prefix)} rc={rc} {wall:.2f}s {rss:.0f}MB"
print(line, flush=True)
with open(os.path.join(os.path.dirname(prefix), "times.txt"), "a") as f:
    f.write(line + "\n")
