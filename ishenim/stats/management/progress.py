"""A progress bar for long commands, on standard error so that standard output stays data.

On a terminal it redraws one line; without one (a log file, CI, a pipe) it writes a line at
every tenth of the way, so logs show progress without thousands of lines.
"""

from django.utils.formats import number_format
from django.utils.translation import gettext as _

_WIDTH = 30


class ProgressBar:
    """Call it as `progress(done, total)`; done=0 starts the next of `labels`. `stream` is a
    command's self.stderr (Django's OutputWrapper, whose write() takes `ending`)."""

    def __init__(self, stream, labels: list[str]):
        self.stream = stream
        self.labels = list(labels)
        self.position = -1
        self.terminal = bool(getattr(stream, "isatty", lambda: False)())
        self._tenth = -1

    @property
    def label(self) -> str:
        if 0 <= self.position < len(self.labels):
            return self.labels[self.position]
        return ""

    def __call__(self, done: int, total: int) -> None:
        if done == 0:
            self._end_line()
            self.position += 1
            self._tenth = -1
        share = min(done / total, 1.0) if total else 1.0
        counts = _("%(done)s of %(total)s rows") % {
            "done": number_format(done, force_grouping=True),
            "total": number_format(total, force_grouping=True),
        }
        if self.terminal:
            filled = round(share * _WIDTH)
            bar = "#" * filled + "." * (_WIDTH - filled)
            self.stream.write(f"\r{self.label} [{bar}] {share:4.0%} {counts}", ending="")
            self.stream.flush()
            return
        tenth = int(share * 10)
        if tenth != self._tenth:
            self._tenth = tenth
            self.stream.write(f"{self.label}: {share:.0%}, {counts}")
            self.stream.flush()

    def close(self) -> None:
        self._end_line()

    def _end_line(self) -> None:
        if self.terminal and self.position >= 0:
            self.stream.write("")
            self.stream.flush()
