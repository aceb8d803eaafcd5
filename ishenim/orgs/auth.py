"""Signing in with an email address or a phone number, throttled."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from ishenim.core.middleware import client_ip
from ishenim.orgs import selectors, services


class EmailOrPhoneBackend(ModelBackend):
    """The login is an email address (any case) or a phone number (any usual spelling).

    The throttle lives here, not in a view, so that every way into `authenticate()` (our
    sign-in page, the admin's, an API later) counts and refuses alike. A refused attempt
    raises PermissionDenied, which makes `authenticate()` return None without asking other
    backends; the sign-in page then asks `selectors.sign_in_wait` how long to say."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        UserModel = get_user_model()
        login = username if username is not None else kwargs.get(UserModel.USERNAME_FIELD)
        if not login or password is None:
            return None
        ip = client_ip(request) if request is not None else None
        user = selectors.account_for_login(login)
        wait = selectors.sign_in_wait(login=login, ip=ip, user=user)
        if wait is not None:
            services.sign_in_throttled_record(login=login, ip=ip, user=user, wait=wait)
            raise PermissionDenied
        if user is None:
            # Hash anyway, so that a missing account answers as slowly as a wrong password.
            UserModel().set_password(password)
            succeeded = False
        else:
            succeeded = user.check_password(password) and self.user_can_authenticate(user)
        services.sign_in_attempt_record(login=login, ip=ip, user=user, succeeded=succeeded)
        return user if succeeded else None
