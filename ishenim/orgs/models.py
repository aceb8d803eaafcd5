from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from ishenim.core.models import TranslatedName
from ishenim.core.phones import phone_normalise
from ishenim.orgs.enums import OrganisationKind, Role


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, login: str):
        """A login is an email address or a phone number, in any of the usual spellings."""
        login = (login or "").strip()
        if "@" in login:
            return self.get(email=login.lower())
        return self.get(phone=phone_normalise(login))

    def create_user(self, *, email=None, phone=None, password=None, **fields):
        user = self.model(email=email, phone=phone, **fields)
        user.set_password(password)  # None leaves an unusable password
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, *, email=None, phone=None, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email=email, phone=phone, password=password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: a resident, an officer, a partner. They sign in with their email
    address or their phone number; what they may do comes from their memberships."""

    email = models.EmailField(_("email address"), unique=True, null=True, blank=True)
    phone = models.CharField(
        _("phone number"),
        max_length=20,
        unique=True,
        null=True,
        blank=True,
        help_text=_("International format, e.g. +996 555 123 456."),
    )
    full_name = models.CharField(_("full name"), max_length=200)
    language = models.CharField(_("language"), max_length=8, blank=True)
    # Django's flag for the admin site, not "works for the state": see orgs.policy.is_staff.
    is_staff = models.BooleanField(_("may use the admin site"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), db_default=Now())
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = UserManager()

    # An account is personal data: its audit entries keep names and contacts only as digests,
    # and these workflow fields in clear.
    AUDIT_CLEAR_FIELDS = ("language", "is_active", "is_staff", "is_superuser", "is_demo")

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email__isnull=False) | models.Q(phone__isnull=False),
                name="user_has_email_or_phone",
                violation_error_message=_("Give an email address or a phone number."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or self.phone or str(self.pk)

    def clean(self):
        # Not AbstractBaseUser.clean(): it writes get_username() back into USERNAME_FIELD,
        # which would put a phone-only account's number into its email field. The email and
        # the phone are normalised here instead.
        # Blank is stored as NULL so that many users may have no email (or no phone).
        self.email = self.email.strip().lower() if self.email and self.email.strip() else None
        if self.phone and self.phone.strip():
            try:
                self.phone = phone_normalise(self.phone)
            except ValueError as error:
                raise ValidationError({"phone": str(error)}) from None
        else:
            self.phone = None
        if not self.email and not self.phone:
            raise ValidationError(_("Give an email address or a phone number."))

    def get_username(self) -> str:
        # The login the account uses: natural_key() and authenticator apps read this, and a
        # phone-only account has no email to show.
        return self.email or self.phone or ""

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else ""


class Organisation(TranslatedName):
    """A body that takes part: a police department or post, a Prevention Centre, an ayil okmotu,
    the Ombudsman's office, an NGO. Its jurisdiction is a set of units with their subtrees."""

    kind = models.CharField(_("type"), max_length=32, choices=OrganisationKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    jurisdiction = models.ManyToManyField(
        "geo.AdminUnit",
        verbose_name=_("jurisdiction"),
        blank=True,
        related_name="organisations",
        help_text=_("The units it serves; each covers everything inside it."),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    website = models.URLField(_("website"), blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created"), db_default=Now())

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name_en"]

    def clean(self):
        super().clean()
        if not (self.name_ky or self.name_ru or self.name_en):
            raise ValidationError(_("Give the organisation's name in at least one language."))
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(_("Give both the latitude and the longitude, or neither."))
        # Walk up from the new parent: meeting this organisation again would make a loop.
        ancestor, seen = self.parent, set()
        while ancestor is not None and ancestor.pk not in seen:
            if self.pk is not None and ancestor.pk == self.pk:
                raise ValidationError(
                    {"parent": _("An organisation cannot sit under itself or one of its own.")}
                )
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


class Membership(models.Model):
    """A user's role in an organisation. A person may hold several (an officer who also sits
    on the Prevention Centre's board)."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    title = models.CharField(_("job title"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    since = models.DateField(_("since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), db_default=Now())

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation_id", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}, {self.organisation}"


class LoginAttempt(models.Model):
    """A sign-in attempt, kept for throttling and for the account's owner and administrators.
    The login typed is stored only as a keyed digest: a mistyped password field can hold a
    password, and the table must not become a list of them."""

    at = models.DateTimeField(_("time"), db_default=Now())
    login_digest = models.CharField(_("login digest"), max_length=64)
    ip = models.GenericIPAddressField(_("client IP address"), null=True, blank=True)
    user = models.ForeignKey(
        User,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="login_attempts",
    )
    succeeded = models.BooleanField(_("succeeded"))

    class Meta:
        verbose_name = _("sign-in attempt")
        verbose_name_plural = _("sign-in attempts")
        ordering = ["-at"]
        # The throttle counts recent failures per login and per address at every sign-in.
        indexes = [
            models.Index(fields=["login_digest", "at"], name="loginattempt_login_at"),
            models.Index(fields=["ip", "at"], name="loginattempt_ip_at"),
            models.Index(fields=["user", "at"], name="loginattempt_user_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {'ok' if self.succeeded else 'failed'}"
