#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Which pages a diskdump file holds, as libkdumpfile reads its bitmap.

    pageset.py KDUMP [KDUMP...]

Prints one JSON object per file, one per line: {"file", "page_size",
"max_pfn", "runs": [[first_pfn, end_pfn], ...], "pages", "error"}.  Runs
under Debian's /usr/bin/python3 (python3-libkdumpfile) in a process of its
own, so that libkdumpfile failing on a file is a failed check.
"""

import json
import sys


def pageset(path):
    import kdumpfile
    res = {"file": path, "page_size": None, "max_pfn": None, "runs": [],
           "pages": 0, "error": None}
    try:
        k = kdumpfile.kdumpfile(path)
        res["page_size"] = k.attr["arch.page_size"]
        top = res["max_pfn"] = k.attr["max_pfn"]
        bmp = k.attr["file.pagemap"]
        pfn = 0
        while pfn < top:
            try:
                start = bmp.find_set(pfn)
            except Exception:  # noqa: BLE001 - no set bit left
                break
            if start >= top:
                break
            try:
                end = bmp.find_clear(start)
            except Exception:  # noqa: BLE001 - set to the end
                end = top
            end = min(end, top)
            res["runs"].append([start, end])
            res["pages"] += end - start
            pfn = end
    except Exception as e:  # noqa: BLE001 - report whatever failed
        res["error"] = "%s: %s" % (type(e).__name__, e)
    return res


def main():
    try:
        import kdumpfile  # noqa: F401
    except ImportError as e:
        print(json.dumps({"error": "python3-libkdumpfile missing: %s" % e}))
        return 1
    ok = True
    for path in sys.argv[1:]:
        r = pageset(path)
        ok &= r["error"] is None
        print(json.dumps(r))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
