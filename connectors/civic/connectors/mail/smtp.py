"""Mail through an SMTP relay (smtplib): plain, STARTTLS or implicit TLS, optional login.

A connection per message: sign-ups and resets are rare, and a long-lived connection
would have to survive the relay's idle timeout. Every step is bounded by ``timeout``.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Literal

from civic.connectors.mail.interfaces import Mail, MailUndelivered

TlsMode = Literal["none", "starttls", "ssl"]


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where the relay is and how to talk to it."""

    host: str
    port: int
    sender: str
    tls: TlsMode = "starttls"
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0
    user_agent: str = "civic-platform"


class SmtpMailer:
    """The real :class:`~civic.connectors.mail.interfaces.Mailer`."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def message(self, mail: Mail) -> EmailMessage:
        """The MIME message sent for ``mail`` (UTF-8 text, a Message-ID, the date)."""
        message = EmailMessage()
        message["From"] = self.settings.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        domain = self.settings.sender.rpartition("@")[2].strip("> ") or "localhost"
        message["Message-ID"] = make_msgid(domain=domain)
        message["X-Mailer"] = self.settings.user_agent
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
        message.set_content(mail.text)
        # After set_content, which replaces every Content-* header.
        message["Content-Language"] = mail.language
        return message

    def send(self, mail: Mail) -> None:
        settings = self.settings
        message = self.message(mail)
        context = ssl.create_default_context()
        try:
            if settings.tls == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    settings.host, settings.port, timeout=settings.timeout, context=context
                )
            else:
                client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
            with client:
                if settings.tls == "starttls":
                    client.starttls(context=context)
                if settings.username:
                    client.login(settings.username, settings.password or "")
                client.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            raise MailUndelivered(
                f"the relay {settings.host}:{settings.port} did not take the message: {error}"
            ) from error
