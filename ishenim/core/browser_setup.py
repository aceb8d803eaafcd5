"""Makes sure the browser tests can run: `python -m ishenim.core.browser_setup`, run by
`make test` before pytest. The tests drive Debian's Chromium through Playwright; Playwright's
own browser downloads are never used (they need a network this project may not have, and a
second browser to keep patched)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# Flags for a headless run in a container or CI: no sandbox (no user namespaces there), and no
# traffic to Google's services while a test runs.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--no-first-run",
]


def _apt_command(*args: str) -> list[str]:
    command = ["apt-get", *args]
    if os.geteuid() != 0:
        if shutil.which("sudo") is None:
            raise RuntimeError("installing Chromium needs root, and sudo is not available")
        command = ["sudo", "--non-interactive", "--preserve-env=DEBIAN_FRONTEND", *command]
    return command


def chromium_ensure(chromium: Path = CHROMIUM) -> str:
    """Install Debian's chromium package unless it is there; return one line saying what was
    done."""
    if chromium.exists():
        return f"browser tests: {chromium} is installed"
    if shutil.which("apt-get") is None:
        raise RuntimeError(f"{chromium} is missing and apt-get is not available to install it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    quiet = {"env": env, "check": True, "stdout": subprocess.DEVNULL}
    subprocess.run(_apt_command("update", "-qq"), **quiet)  # noqa: S603
    subprocess.run(  # noqa: S603
        _apt_command("install", "-y", "-qq", "--no-install-recommends", "chromium"), **quiet
    )
    if not chromium.exists():
        raise RuntimeError(f"apt-get installed chromium, but {chromium} is still missing")
    return f"browser tests: installed Debian's chromium at {chromium}"


def main() -> int:
    try:
        print(chromium_ensure())
    except (RuntimeError, subprocess.CalledProcessError) as error:
        print(f"browser tests: cannot install Chromium: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
