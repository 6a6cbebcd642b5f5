"""``python -m model.docs``: regenerate ``docs/`` (an index and a page per scenario).

The pages are built by `model.render.site` and written by `model.render.site_files`; this
module reads the command line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model.base.output import check_target
from model.base.paths import DOCS_DIR
from model.cli import command as cli
from model.render.site import build
from model.render.site_files import MANIFEST, blocked, read_manifest, stale, unsafe, write

EPILOG = """\
exit status: 0 written (or, with --check, up to date); 1 --check found stale files;
2 invalid input, or a file in the way that this command did not generate.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = cli.ArgumentParser(
        prog="python -m model.docs",
        description="Write docs/index.md and a page per scenario (diagram, sample run, check).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if docs/ is out of date"
    )
    parser.add_argument(
        "--docs-dir",
        type=cli.non_empty_dir,
        default=DOCS_DIR,
        metavar="DIR",
        help=f"where to write (default: the project's docs/, {DOCS_DIR}, whatever the working "
        "directory)",
    )
    return parser


@cli.guarded
def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    docs_dir: Path | None = args.docs_dir
    if docs_dir is None:
        parser.error("the package is installed, not a source checkout: name --docs-dir")
    if not args.check:  # the folder can be written: checked before the long build
        check_target(docs_dir / MANIFEST, force=True)
    # A symbolic link in the way is reported before the long build; the rest after it.
    in_the_way = [
        reason
        for rel in ("index.md", MANIFEST, *read_manifest(docs_dir))
        if (reason := unsafe(docs_dir, rel))
    ]
    if in_the_way:
        for reason in in_the_way:
            print(f"error: {reason}", file=sys.stderr)
        return cli.EXIT_INVALID
    files = build()
    in_the_way = blocked(files, docs_dir)
    if in_the_way:
        for reason in in_the_way:
            print(f"error: {reason}", file=sys.stderr)
        return cli.EXIT_INVALID
    if args.check:
        problems, notes = stale(files, docs_dir)
        for note in notes:
            print(f"note: {note}")
        for p in problems:
            print(f"stale: {p}")
        if problems:
            print("docs/ is out of date: run python -m model.docs")
            return cli.EXIT_FINDINGS
        print(f"docs/ is up to date ({len(files)} files)")
        return cli.EXIT_OK
    changed = write(files, docs_dir)
    for rel in changed:
        print(f"wrote {rel}")
    print(f"{len(changed)} of {len(files)} files changed")
    return cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(main(None))
