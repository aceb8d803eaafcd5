"""What every SMS backend is: one method, send, which returns when the gateway took the
message and raises SmsFailure with a short reason when it did not."""


class SmsFailure(Exception):
    """The gateway did not take the message. The text is kept on the notification as its
    last error, so it must never contain the gateway's token or its URL."""


class SmsBackend:
    def send(self, *, to: str, text: str) -> None:
        raise NotImplementedError
