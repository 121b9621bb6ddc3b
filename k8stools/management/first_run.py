"""What a first start tells the user: where the data lives, how to reach the admin console and, for the demo, an
admin user to reach it with."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model

DEMO_ADMIN_USERNAME = "demo"


def demo_admin_password() -> str:
    """Give the demo's admin user a new random password and return it, to be printed once.

    The demo database is the demo's alone, so a superuser there opens nothing of real use; the password is not
    kept anywhere in clear, which is why each start of the demo sets a new one."""
    password = secrets.token_urlsafe(12)
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=DEMO_ADMIN_USERNAME)
    user.is_staff = True
    user.is_superuser = True
    user.is_active = True
    user.set_password(password)
    user.save()
    return password


def has_superuser() -> bool:
    """Whether anyone can sign in to the admin console with full rights."""
    return get_user_model().objects.filter(is_superuser=True, is_active=True).exists()
