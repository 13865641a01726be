"""`make bench`'s site-features pass (issue 15): what a redirect map and
try_files cost per request, forkd only (nginx has no map file of this form
to compare with).

Keep-alive req/s for a plain file hit on a server without a map, the same
file on a server with a 100,000-entry redirect_map (every request is a map
miss first), a map hit (301), and a clean URL that try_files resolves at
its second candidate (/clean/about -> about.html).
"""

import os

import servers

MAP_ENTRIES = 100000
MAP_HIT = "/blog/500/post-50000.html"
FIGURES = ["rps", "p50_us", "p99_us", "cpu_us", "errors"]
SCENARIOS = [
    {"key": "site:plain", "title": "612 B keep-alive, no redirect_map",
     "path": "/index.html", "server": "plain", "figures": FIGURES},
    {"key": "site:mapmiss", "title": "612 B keep-alive, 100k-entry map (miss)",
     "path": "/index.html", "server": "sites", "figures": FIGURES},
    {"key": "site:maphit", "title": "redirect_map hit (301), 100k entries",
     "path": MAP_HIT, "server": "sites", "expect": 301, "figures": FIGURES},
    {"key": "site:try", "title": "try_files clean URL (2nd candidate)",
     "path": "/clean/about", "server": "sites", "figures": FIGURES},
]


class SitesForkd(servers.Forkd):
    """A forkd whose server section gets extra lines."""

    def __init__(self, *args, extra=(), **kw):
        self.extra = list(extra)
        super().__init__(*args, **kw)

    def values(self):
        v = super().values()
        v["status"] = "\n".join([v["status"]] + ["\t" + x for x in self.extra])
        return v


def write_map(path):
    with open(path, "w") as f:
        for i in range(MAP_ENTRIES):
            f.write(f"/blog/{i // 100}/post-{i}.html /posts/{i}/\n")
    os.chmod(path, 0o644)


def prepare(bench):
    """The map file and the clean-URL page; the extra config lines."""
    map_path = os.path.join(bench.tmp, "redirects.map")
    write_map(map_path)
    clean = os.path.join(bench.docroot, "clean")
    os.makedirs(clean, exist_ok=True)
    os.chmod(clean, 0o755)
    page = os.path.join(clean, "about.html")
    with open(os.path.join(bench.docroot, "index.html"), "rb") as src, \
            open(page, "wb") as dst:
        dst.write(src.read())
    os.chmod(page, 0o644)
    return [f'redirect_map = "{map_path}"',
            'location "/clean/" { try_files = { "$uri", "$uri.html", "$uri/" } }']


def sites_pass(bench, request_scenario, workers):
    """Run the scenarios with bench.py's request_scenario (passed in, so
    that this file needs nothing else from it)."""
    if bench.args.only and "sites" not in bench.args.only:
        return
    print("\n# site features: redirect_map and try_files (forkd only; access log off)",
          flush=True)
    extra = prepare(bench)
    made = {}
    for name, lines in (("plain", []), ("sites", extra)):
        root = os.path.join(bench.tmp, f"sites-{name}")
        os.makedirs(root, exist_ok=True)
        os.chmod(root, 0o755)
        made[name] = SitesForkd(bench.forkd_bin, root, bench.docroot,
                                workers=workers, extra=lines)
        bench.start(made[name])
    for sc in SCENARIOS:
        request_scenario(bench, sc, [made[sc["server"]]], sc["key"], sc["title"])
    bench.stop_all()
