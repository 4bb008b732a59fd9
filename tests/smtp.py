"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller


class Mailbox(list):
    """Messages received, parsed; helpers to find links in them."""

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self if address.lower() in m["To"].lower()]

    def last_to(self, address: str) -> EmailMessage:
        found = self.to(address)
        assert found, f"no email to {address}; got {[m['To'] for m in self]}"
        return found[-1]

    @staticmethod
    def text(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""

    @staticmethod
    def html(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("html",))
        return part.get_content() if part else ""

    def link_to(self, address: str, path_fragment: str) -> str:
        """The path of the first link containing `path_fragment` in the last mail."""
        body = self.text(self.last_to(address))
        for url in re.findall(r"https?://\S+", body):
            if path_fragment in url:
                return urlsplit(url).path
        raise AssertionError(f"no link with {path_fragment!r} in: {body}")


class _Handler:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, _server, _session, envelope) -> str:  # noqa: ANN001, N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.mailbox.append(message)
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.mailbox = Mailbox()
        self.controller = Controller(_Handler(self.mailbox), hostname=host, port=port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def restart(self) -> None:
        """Serve again after a stop (an aiosmtpd controller runs once), same mailbox."""
        self.controller = Controller(_Handler(self.mailbox), hostname=self.host, port=self.port)
        self.start()
