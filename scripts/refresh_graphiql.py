"""Vendor GraphiQL and its React peers into graph/static/graphiql/ from the npm registry.

The API runs in hospital networks without internet access, so the GraphiQL page must never load
anything from a CDN: its files live in the repository and the app serves them itself. This script
is the only way those files get there. It fetches pinned tarballs with the ordinary npm client
(`npm pack`), checks each tarball against the integrity string pinned below (trust on first use:
a registry that later serves different bytes for the same version is an error, not an update),
copies the few files the page needs, and writes manifest.json with every file's sha256, which
`graph.graphiql` verifies at startup.

Usage:
    python scripts/refresh_graphiql.py              # download the pinned packages, rewrite all
    python scripts/refresh_graphiql.py --own-only   # offline: rehash our own files (bootstrap.js)

To upgrade, change VERSION and set INTEGRITY to the value of `npm view PKG@VERSION dist.integrity`.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ASSETS_DIR = ROOT / "graph" / "static" / "graphiql"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Package:
    """One pinned npm package and the files taken from its tarball (member -> local name)."""

    name: str
    version: str
    integrity: str
    files: dict[str, str]
    license_file: str


# graphiql 3.9.0 is the last 3.x and ships a real minified UMD build (dist/index.umd.js, copied
# to graphiql.min.js, ~1 MB) that takes React and ReactDOM from globals and bundles graphql-js;
# 4.x dropped the UMD build. Its peers accept React 18, whose last UMD builds are 18.3.1.
PACKAGES: tuple[Package, ...] = (
    Package(
        name="react",
        version="18.3.1",
        integrity="sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ==",
        files={"package/umd/react.production.min.js": "react.production.min.js"},
        license_file="LICENSE.react.txt",
    ),
    Package(
        name="react-dom",
        version="18.3.1",
        integrity="sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw==",
        files={"package/umd/react-dom.production.min.js": "react-dom.production.min.js"},
        license_file="LICENSE.react-dom.txt",
    ),
    Package(
        name="graphiql",
        version="3.9.0",
        integrity="sha512-rJYFlHdBbug9+YbFSwRVvgfPjCayC7wHecZkx/qB4XLuQPFQZw/yB9pmHFtOJV6RiNBBHro3u1GdocKa3YcGRA==",
        files={
            "package/graphiql.min.js": "graphiql.min.js",
            "package/graphiql.min.css": "graphiql.min.css",
        },
        license_file="LICENSE.graphiql.txt",
    ),
)

# Files written by hand in this repository (not from npm); hashed so that the startup check
# covers them too. Edit them, then run this script with --own-only.
OWN_FILES: tuple[str, ...] = ("bootstrap.js", "page.css")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sri(data: bytes, algorithm: str) -> str:
    """An npm/SRI integrity string (`sha512-<base64>`) of some bytes."""
    digest = hashlib.new(algorithm, data).digest()
    return f"{algorithm}-{base64.b64encode(digest).decode()}"


def npm_pack(package: Package, dest: Path) -> Path:
    """Download one tarball with the npm client (which also checks the registry's integrity)."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is not on PATH: it is needed to download the GraphiQL packages")
    spec = f"{package.name}@{package.version}"
    result = subprocess.run(  # noqa: S603 - fixed arguments, pinned spec, no shell
        [npm, "pack", spec, "--json", "--ignore-scripts", "--pack-destination", str(dest)],
        check=False,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.exit(f"npm pack {spec} failed:\n{result.stderr.strip()}")
    filename = json.loads(result.stdout)[0]["filename"]
    return dest / filename


def extract(tarball: Path, package: Package, out: Path) -> list[dict[str, Any]]:
    """Copy the wanted members (read one by one: nothing else in the tarball touches the disk)."""
    data = tarball.read_bytes()
    algorithm = package.integrity.split("-", 1)[0]
    actual = sri(data, algorithm)
    if actual != package.integrity:
        sys.exit(
            f"{package.name}@{package.version}: tarball integrity {actual} does not match the "
            f"pinned {package.integrity}; refusing to vendor it"
        )
    entries: list[dict[str, Any]] = []
    wanted = {**package.files, "package/LICENSE": package.license_file}
    with tarfile.open(tarball, "r:gz") as tar:
        for member_name, local_name in wanted.items():
            member = tar.getmember(member_name)
            handle = tar.extractfile(member) if member.isfile() else None
            if handle is None:
                sys.exit(f"{package.name}@{package.version}: {member_name} is not a regular file")
            content = handle.read()
            (out / local_name).write_bytes(content)
            entries.append(
                {
                    "file": local_name,
                    "origin": "npm",
                    "kind": "license" if local_name == package.license_file else "asset",
                    "package": package.name,
                    "version": package.version,
                    "source": member_name,
                    "integrity": package.integrity,
                    "size": len(content),
                    "sha256": sha256_hex(content),
                }
            )
    return entries


def own_entries(out: Path) -> list[dict[str, Any]]:
    entries = []
    for name in OWN_FILES:
        path = out / name
        if not path.is_file():
            sys.exit(f"{path} is missing: it is part of this repository, restore it from git")
        content = path.read_bytes()
        entries.append(
            {
                "file": name,
                "origin": "own",
                "kind": "asset",
                "size": len(content),
                "sha256": sha256_hex(content),
            }
        )
    return entries


def write_manifest(out: Path, npm_files: list[dict[str, Any]]) -> None:
    manifest = {
        "comment": (
            "Generated by scripts/refresh_graphiql.py; graph/graphiql.py refuses to start when a "
            "file does not match. Files with origin 'own' are ours (not from npm)."
        ),
        "files": sorted([*npm_files, *own_entries(out)], key=lambda entry: entry["file"]),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ASSETS_DIR, help="assets directory")
    parser.add_argument(
        "--own-only",
        action="store_true",
        help="only rehash our own files; keep the npm entries of the existing manifest (offline)",
    )
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    if args.own_only:
        current = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        npm_files = [entry for entry in current["files"] if entry["origin"] == "npm"]
    else:
        npm_files = []
        with tempfile.TemporaryDirectory(prefix="graphiql-npm-") as tmp:
            for package in PACKAGES:
                tarball = npm_pack(package, Path(tmp))
                npm_files.extend(extract(tarball, package, out))
    write_manifest(out, npm_files)
    for entry in json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]:
        label = f"{entry['package']}@{entry['version']}" if entry["origin"] == "npm" else "own"
        print(f"{entry['file']:32} {entry['size']:>9} B  {label}")


if __name__ == "__main__":
    main()
