from celery import shared_task


@shared_task(name="config.health_ping")
def health_ping(value: str = "pong") -> dict:
    """Answers from whichever process runs it, so a caller can tell a real worker from eager mode."""
    import os
    import socket

    return {"value": value, "pid": os.getpid(), "host": socket.gethostname()}
