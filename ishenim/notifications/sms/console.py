import sys

from ishenim.notifications.sms.base import SmsBackend


class ConsoleSmsBackend(SmsBackend):
    """Prints each message to standard output, as Django's console mail backend does: for a
    laptop that sends for real (OUTBOUND_DELIVERY=live or redirect) without a gateway."""

    def __init__(self, *, sender: str = "", stream=None):
        self.sender = sender
        self.stream = stream

    def send(self, *, to: str, text: str) -> None:
        stream = self.stream or sys.stdout
        sender = f" from {self.sender}" if self.sender else ""
        stream.write(f"--- SMS to {to}{sender} ---\n{text}\n---\n")
        stream.flush()
