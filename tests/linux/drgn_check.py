#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Open a vmcore with drgn and look for a kernel log line and a task.

    drgn_check.py VMCORE VMLINUX MARKER COMM

Prints one JSON object: {"ok": bool, "marker": bool, "task": bool,
"error": str|null, "tasks": N, "release": str}.  Exit 0 iff the marker is
in the kernel log and a task named COMM exists.  Runs under Debian's
/usr/bin/python3 (python3-drgn); a separate process so that a drgn crash
on a bad vmcore is a failed check, not a dead test runner.
"""

import json
import sys


def main():
    vmcore, vmlinux, marker, comm = sys.argv[1:5]
    res = {"ok": False, "marker": False, "task": False, "error": None,
           "tasks": 0, "release": None}
    try:
        import drgn
        from drgn.helpers.linux.pid import for_each_task
        from drgn.helpers.linux.printk import get_printk_records
        prog = drgn.Program()
        prog.set_core_dump(vmcore)
        if not (prog.flags & drgn.ProgramFlags.IS_LINUX_KERNEL):
            raise Exception("not recognised as a Linux kernel core")
        prog.load_debug_info([vmlinux])
        res["release"] = prog["UTS_RELEASE"].string_().decode() \
            if "UTS_RELEASE" in dir(prog) else \
            prog["init_uts_ns"].name.release.string_().decode()
        for rec in get_printk_records(prog):
            if marker.encode() in rec.text:
                res["marker"] = True
                break
        want = comm.encode()
        for task in for_each_task(prog):
            res["tasks"] += 1
            if task.comm.string_() == want:
                res["task"] = True
        res["ok"] = res["marker"] and res["task"]
        if not res["ok"]:
            res["error"] = "%s%s" % (
                "" if res["marker"] else "marker not in the kernel log; ",
                "" if res["task"] else "no task %r among %d" % (
                    comm, res["tasks"]))
    except Exception as e:  # drgn raises several types; report any
        res["error"] = "%s: %s" % (type(e).__name__, e)
    print(json.dumps(res))
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
