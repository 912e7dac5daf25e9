"""Building and sending the site's e-mails through Django's e-mail backend.

Every e-mail has a plain-text and an HTML part rendered from templates under
`embed/templates/mail/`, comes from the platform's address (`DEFAULT_FROM_EMAIL`) under the
site's sender name, and takes the site's reply-to. Reply e-mails carry RFC 8058 one-click
unsubscribe headers: `List-Unsubscribe` with the link, `List-Unsubscribe-Post:
List-Unsubscribe=One-Click` so a mail client can unsubscribe with a POST and no page.
"""

from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string

from core.tenancy import current_schema
from embed.models import MailSettings
from tenants.models import Tenant


def mail_settings() -> MailSettings:
    """The site's mail settings row (made with the defaults the first time)."""
    row = MailSettings.objects.first()
    return row if row is not None else MailSettings.objects.create()


def site_name() -> str:
    name = Tenant.objects.filter(schema_name=current_schema()).values_list("name", flat=True)
    return name.first() or settings.PLATFORM_NAME


def sender(row: MailSettings) -> str:
    """`"Sender name" <platform address>`: the site's name unless it set one."""
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((row.sender_name or site_name(), address))


def message_build(
    *,
    to: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    unsubscribe: str | None = None,
) -> EmailMultiAlternatives:
    """An e-mail to `to` from `mail/<template>.txt` and `.html`, with the site's sender and
    reply-to, and one-click unsubscribe headers when `unsubscribe` (a URL) is given."""
    row = mail_settings()
    context = {"site_name": row.sender_name or site_name(), **context}
    headers = {"Auto-Submitted": "auto-generated", "X-Palaver-Site": current_schema()}
    if unsubscribe:
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split())[:200],  # never a header injection, never a fold
        body=render_to_string(f"mail/{template}.txt", context),
        from_email=sender(row),
        to=[to],
        reply_to=[row.reply_to] if row.reply_to else None,
        headers=headers,
    )
    message.attach_alternative(render_to_string(f"mail/{template}.html", context), "text/html")
    return message


def message_send(message: EmailMultiAlternatives) -> None:
    """Send through the configured backend; SMTP errors propagate (the task retries)."""
    message.connection = get_connection(fail_silently=False)
    message.send()
