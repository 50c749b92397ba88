"""What a channel raises besides "try again with backoff" (any other exception)."""


class RetryLater(Exception):
    """The provider asked us to slow down (a rate limit): try again after ``seconds``; never a final failure."""

    def __init__(self, message: str, *, seconds: int):
        super().__init__(message)
        self.seconds = seconds


class PermanentFailure(Exception):
    """The provider refused this message for good (an invalid number, a missing template): no retry."""
