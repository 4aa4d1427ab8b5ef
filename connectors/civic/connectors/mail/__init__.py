"""The mail connector: messages to people (address verification, password resets).

Services type against :class:`Mailer`; :class:`SmtpMailer` is the real one (any SMTP
relay: host, port, TLS, credentials and sender from the settings, an explicit
timeout); :class:`FakeMailer` records messages for unit tests. :mod:`.sink` reads
the files the development sink (``scripts/mail_sink.py``) writes, one per mail.
"""

from civic.connectors.mail.fake import FakeMailer
from civic.connectors.mail.interfaces import Mail, Mailer, MailError, MailUndelivered
from civic.connectors.mail.smtp import SmtpMailer, SmtpSettings

__all__ = [
    "FakeMailer",
    "Mail",
    "MailError",
    "MailUndelivered",
    "Mailer",
    "SmtpMailer",
    "SmtpSettings",
]
