#!/usr/bin/env python
import os
import sys

# Commands that read the code only (no signing, no MFA secrets) run on a fresh checkout without
# the production environment: throwaway secrets stand in for the ones they never use. Every other
# command (runserver, migrate, check --deploy...) still refuses to start without them.
OFFLINE_COMMANDS = {"makemigrations", "makemessages", "compilemessages"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sro_portal.settings")
    if len(sys.argv) > 1 and sys.argv[1] in OFFLINE_COMMANDS:
        _throwaway_secrets()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


def _throwaway_secrets():
    import secrets

    from cryptography.fernet import Fernet

    os.environ.setdefault("SECRET_KEY", "offline-command-" + secrets.token_urlsafe(40))
    os.environ.setdefault("MFA_ENCRYPTION_KEYS", Fernet.generate_key().decode())


if __name__ == "__main__":
    main()
