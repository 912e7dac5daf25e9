"""Run the tests' OpenID Connect provider: `python -m tests.oidc_provider.serve PORT DIR`.

Makes an RS256 key, migrates a SQLite database in DIR, adds the users of the JSON file
DIR/users.json ([{username, password, first_name, last_name, email}]), then serves on
127.0.0.1:PORT (threaded WSGI) until it is terminated. The environment's
OIDC_TEST_SECRET_KEY also guards `POST /clients`.
"""

import json
import os
import sys
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def main() -> None:
    port, folder = int(sys.argv[1]), Path(sys.argv[2])
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    os.environ["OIDC_TEST_RSA_KEY"] = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    os.environ["OIDC_TEST_DB"] = str(folder / "provider.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application

    call_command("migrate", verbosity=0)
    for user in json.loads((folder / "users.json").read_text()):
        password = user.pop("password")
        made = get_user_model().objects.create(**user)
        made.set_password(password)
        made.save()
    server = make_server(
        "127.0.0.1", port, get_wsgi_application(),
        server_class=ThreadingServer, handler_class=QuietHandler,
    )  # fmt: skip
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
