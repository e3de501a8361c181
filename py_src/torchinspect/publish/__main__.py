"""``python -m torchinspect.publish SOURCE TARGET [--execute]``: see ``publish_folder``."""

from __future__ import annotations

import argparse

from torchinspect.publish.site import publish_folder


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m torchinspect.publish",
        description="Publish a folder of notebooks as HTML pages whose torchinspect views stay interactive, offline.",
    )
    parser.add_argument("source", help="the folder of .ipynb files")
    parser.add_argument("target", help="the folder to write the pages and index.html into")
    parser.add_argument(
        "--execute", action="store_true", help="run each notebook first (for notebooks saved without outputs)"
    )
    parser.add_argument("--timeout", type=int, default=600, help="with --execute, the most seconds one cell may take")
    args = parser.parse_args(argv)
    pages = publish_folder(args.source, args.target, execute=args.execute, timeout=args.timeout)
    print(f"{len(pages) - 1} pages and {pages[-1]}")


if __name__ == "__main__":
    main()
