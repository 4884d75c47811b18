"""Run a command and write its own CPU seconds and peak RSS, from ``os.wait4``, as JSON.

    python benchmarks/rusage_child.py REPORT.json -- COMMAND...

Linux carries a process's peak RSS across ``exec``, so a client started straight from a
large parent (one that has imported the tap, say) would report the parent's size as its
own. Started from this small launcher instead, a client's peak is its own whenever it
exceeds this launcher's few MiB. stdin, stdout and stderr pass through untouched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys


def main() -> None:
    report, separator, *command = sys.argv[1:]
    if separator != "--" or not command:
        raise SystemExit(__doc__)
    launcher_rss = 0
    with open("/proc/self/status", encoding="ascii") as status_file:
        for line in status_file:
            if line.startswith("VmRSS:"):
                launcher_rss = int(line.split()[1])
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = code = os.waitstatus_to_exitcode(status)
    with open(report, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
                "peak_rss_kib": usage.ru_maxrss,
                "launcher_rss_kib": launcher_rss,
                "exit_code": code,
            },
            handle,
        )
    sys.exit(code if code >= 0 else 1)


if __name__ == "__main__":
    main()
