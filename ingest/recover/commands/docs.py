"""`recover docs --lake L --namespace NS [--out DIR] [--serve [--port P]]`: the dbt docs site of
a namespace's published build (recover.build.docs_site), and optionally an HTTP server of it.

Exit codes: 0 success (or the server stopped with Ctrl-C), 1 dbt docs generate failed,
2 bad arguments or no published build.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from recover.build.docs_site import DocsFailed, NoPublishedBuild, generate, server
from recover.commands.summaries import refused_namespace
from recover.lake import is_s3_uri

PROG = "recover docs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lake", required=True, help="the lake: a local directory")
    parser.add_argument("--namespace", required=True, help="namespace, e.g. dev")
    parser.add_argument("--out", help="folder of the site (default: {lake}/{ns}/docs)")
    parser.add_argument("--serve", action="store_true",
                        help="then serve the site on http://127.0.0.1:PORT/ until Ctrl-C")
    parser.add_argument("--port", type=int, default=8000,
                        help="port of --serve (default 8000; 0: any free port)")


def run(args: argparse.Namespace) -> int:
    if refused_namespace(PROG, args.namespace):
        return 2
    if is_s3_uri(args.lake):
        print(f"{PROG}: error: the docs site is built from a local lake's published database; "
              "on AWS the descriptions are in the Glue catalog", file=sys.stderr)
        return 2
    if not 0 <= args.port <= 65535:
        print(f"{PROG}: error: --port must be between 0 and 65535", file=sys.stderr)
        return 2
    try:
        index = generate(Path(args.lake), args.namespace,
                         Path(args.out) if args.out else None)
    except NoPublishedBuild as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except DocsFailed as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    print(f"Docs site: {index.resolve()}", flush=True)
    if not args.serve:
        return 0
    try:
        httpd = server(index.parent, args.port)
    except OSError as exc:
        print(f"{PROG}: error: cannot serve on 127.0.0.1:{args.port}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    host, port = httpd.server_address[:2]
    print(f"Serving {index.parent.resolve()} at http://{host}:{port}/ (Ctrl-C to stop)",
          flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        print(f"{PROG}: stopped serving", file=sys.stderr)
    finally:
        httpd.server_close()
    return 0
