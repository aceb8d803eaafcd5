"""Taking an appeal in: the resident's web form, the staff's entry forms (phone, walk-in,
mobile reception unit, Prevention Centre), the API and the paper-register import all end in
`appeal_submit`.

Everything is checked before anything is written, and the write is one transaction: bad
input gets a message per field in the reader's language and leaves nothing behind, not even
an uploaded file (files saved before a failure are deleted again).
"""

import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ishenim.appeals import config, timeline
from ishenim.appeals.enums import AppealKind, AppealStatus, Channel, PlaceKind
from ishenim.appeals.models import Appeal, AppealAttachment, AppealCategory, AppealReporter
from ishenim.appeals.services import deadlines, messages, routing
from ishenim.core import clock
from ishenim.core.codes import tracking_code_new
from ishenim.core.enums import SENSITIVITY_ORDER, Sensitivity
from ishenim.core.phones import phone_normalise
from ishenim.geo import selectors as geo_selectors
from ishenim.geo.models import AdminUnit, Settlement
from ishenim.geo.services.places import place_resolve

LANGUAGES = ("ky", "ru", "en")
_CONFIDENTIAL = re.compile(
    "|".join(r"(?<!\w)" + re.escape(stem) for stem in config.CONFIDENTIAL_STEMS), re.IGNORECASE
)
# Photos are re-encoded without their metadata; documents must be PDF.
_CHECKED_FIELDS = [
    "code",
    "client_key",
    "category",
    "unit",
    "settlement",
    "organisation",
    "co_organisation",
    "submitted_by",
    "entered_by",
]
_IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@dataclass(frozen=True)
class AppealPlace:
    """Where, once checked: the unit always; the point when a pin or a village gave one."""

    kind: PlaceKind
    unit: AdminUnit
    latitude: float | None = None
    longitude: float | None = None
    settlement: Settlement | None = None
    address: str = ""
    h3_r9: str = ""


@dataclass(frozen=True)
class ReporterDetails:
    full_name: str = ""
    phone: str = ""
    email: str = ""
    postal_address: str = ""
    consent_to_contact: bool = False


@dataclass(frozen=True)
class Upload:
    """A file as received: its name and its bytes (read once, checked by content)."""

    name: str
    content: bytes


@dataclass
class Submission:
    appeal: Appeal
    # False when the client key had been used already: the same appeal, given back.
    created: bool
    attachments: list[AppealAttachment] = field(default_factory=list)


def appeal_place_resolve(
    *,
    latitude=None,
    longitude=None,
    settlement_id=None,
    unit_code: str = "",
    address: str = "",
) -> AppealPlace:
    """The place from whichever the resident gave: a pin wins over a village, a village over
    a district. Raises ValidationError keyed "place" (or latitude/longitude)."""
    address = (address or "").strip()[:300]
    if latitude not in (None, "") or longitude not in (None, ""):
        place = place_resolve(latitude=latitude, longitude=longitude)
        return AppealPlace(
            kind=PlaceKind.POINT,
            unit=place.unit,
            latitude=place.latitude,
            longitude=place.longitude,
            address=address,
            h3_r9=place.h3_r9,
        )
    if settlement_id not in (None, ""):
        try:
            settlement = Settlement.objects.select_related("unit").get(pk=int(settlement_id))
        except (Settlement.DoesNotExist, TypeError, ValueError):
            raise ValidationError(
                {"place": _("Choose a village or town from the list.")}, code="settlement"
            ) from None
        return AppealPlace(
            kind=PlaceKind.SETTLEMENT,
            unit=settlement.unit,
            latitude=settlement.latitude,
            longitude=settlement.longitude,
            settlement=settlement,
            address=address,
            h3_r9=settlement.h3_r9,
        )
    if unit_code:
        try:
            unit = geo_selectors.unit_get(str(unit_code))
        except AdminUnit.DoesNotExist:
            raise ValidationError(
                {"place": _("Choose a district or city from the list.")}, code="unit"
            ) from None
        if unit.parent_id is None and not address:
            raise ValidationError(
                {"place": _("Say at least in which district or city, or write the address.")},
                code="place",
            )
        return AppealPlace(kind=PlaceKind.UNIT, unit=unit, address=address)
    raise ValidationError(
        {"place": _("Say where: put a pin on the map, choose a village or choose a district.")},
        code="place",
    )


def _clean_text(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if not text:
        raise ValidationError({"text": _("Write what happened or what you ask for.")}, code="empty")
    if len(text) > config.TEXT_MAX_CHARACTERS:
        raise ValidationError(
            {
                "text": _(
                    "The text is %(length)s characters long; at most %(limit)s are accepted."
                    " Shorten it, or attach the rest as a document."
                )
                % {"length": f"{len(text):,}", "limit": f"{config.TEXT_MAX_CHARACTERS:,}"}
            },
            code="too_long",
        )
    return text


def _clean_reporter(details: ReporterDetails | None, *, anonymous: bool) -> ReporterDetails | None:
    if details is None:
        return None
    errors = {}
    phone = details.phone.strip()
    if phone:
        try:
            phone = phone_normalise(phone)
        except ValueError as error:
            errors["phone"] = str(error)
    email = details.email.strip().lower()
    if email:
        from django.core.validators import validate_email

        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("“%(email)s” is not an email address.") % {"email": email}
    name = details.full_name.strip()[:200]
    if not anonymous and not name and not phone and not email:
        errors["full_name"] = _(
            "Give your name and a way to reach you, or choose to stay anonymous."
        )
    if errors:
        raise ValidationError(errors)
    cleaned = ReporterDetails(
        full_name=name,
        phone=phone,
        email=email,
        postal_address=details.postal_address.strip()[:300],
        consent_to_contact=details.consent_to_contact and bool(phone or email),
    )
    if not (cleaned.full_name or cleaned.phone or cleaned.email or cleaned.postal_address):
        return None
    return cleaned


def _checked_upload(upload: Upload) -> tuple[str, bytes, str]:
    """(content type, bytes to store, extension), or ValidationError. Judged by the content:
    a renamed .exe is not a photo whatever its name says."""
    if len(upload.content) > config.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is larger than %(limit)s MB.")
            % {"name": upload.name, "limit": config.ATTACHMENT_MAX_BYTES // (1024 * 1024)},
            code="too_large",
        )
    if upload.content.startswith(b"%PDF-"):
        return "application/pdf", upload.content, "pdf"
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(upload.content)) as probe:
            image_format = probe.format
            probe.verify()
        if image_format not in _IMAGE_FORMATS:
            raise UnidentifiedImageError(image_format)
        with Image.open(io.BytesIO(upload.content)) as image:
            # Turned upright first, since the orientation tag goes with the rest.
            image = ImageOps.exif_transpose(image)
            if image_format == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(
                out, format=image_format, **({"quality": 90} if image_format == "JPEG" else {})
            )
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            _("“%(name)s” is not a photo (JPEG, PNG or WebP) or a PDF document.")
            % {"name": upload.name},
            code="file_type",
        ) from None
    return _IMAGE_FORMATS[image_format], out.getvalue(), image_format.lower().replace("jpeg", "jpg")


def _checked_uploads(uploads: list[Upload]) -> list[tuple[Upload, str, bytes, str]]:
    if len(uploads) > config.ATTACHMENTS_MAX:
        raise ValidationError(
            {
                "files": ngettext(
                    "At most %(limit)d file may be attached; you chose %(count)d.",
                    "At most %(limit)d files may be attached; you chose %(count)d.",
                    config.ATTACHMENTS_MAX,
                )
                % {"limit": config.ATTACHMENTS_MAX, "count": len(uploads)}
            },
            code="too_many",
        )
    checked, errors = [], []
    for upload in uploads:
        try:
            checked.append((upload, *_checked_upload(upload)))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError({"files": errors})
    return checked


def sensitivity_for(*, category: AppealCategory, text: str) -> Sensitivity:
    """The category's level, raised to confidential when the text speaks of family or sexual
    violence whatever category was chosen."""
    level = Sensitivity(category.sensitivity)
    if _CONFIDENTIAL.search(text):
        level = Sensitivity.CONFIDENTIAL
    return level


def reporter_sensitivity(*, appeal_sensitivity: str, anonymous: bool) -> Sensitivity:
    # An anonymous reporter's contact and a confidential appeal's reporter: need to know only.
    if anonymous or appeal_sensitivity == Sensitivity.CONFIDENTIAL:
        return Sensitivity.CONFIDENTIAL
    return max(Sensitivity(appeal_sensitivity), Sensitivity.RESTRICTED, key=SENSITIVITY_ORDER.index)


def _clean_client_key(client_key: str | None) -> str | None:
    key = (client_key or "").strip()
    if not key:
        return None
    if len(key) > 100 or not key.isprintable():
        raise ValidationError(
            {"client_key": _("The submission key must be at most 100 printable characters.")}
        )
    return key


def _code_taken(code: str) -> bool:
    return Appeal.objects.filter(code=code).exists()


def appeal_for_client_key(client_key: str | None) -> Appeal | None:
    key = _clean_client_key(client_key)
    if key is None:
        return None
    return Appeal.objects.filter(client_key=key).first()


def appeal_submit(
    *,
    channel: Channel,
    kind: AppealKind,
    category: AppealCategory | None,
    text: str,
    language: str,
    place: AppealPlace,
    reporter: ReporterDetails | None = None,
    anonymous: bool = False,
    uploads: list[Upload] = (),
    client_key: str | None = None,
    received_at: datetime | None = None,
    register: bool = False,
    is_demo: bool = False,
    actor,
) -> Submission:
    """Take an appeal in and route it. With a client key already used, nothing new is made:
    the appeal it made is given back (created=False). `register`: staff taking the appeal in
    themselves (a call, a walk-in) register it at once. Raises ValidationError with a message
    per field."""
    key = _clean_client_key(client_key)
    if key is not None and (existing := Appeal.objects.filter(client_key=key).first()):
        return Submission(appeal=existing, created=False)
    errors: dict[str, list[str]] = {}

    def collect(check, *args, **kwargs):
        try:
            return check(*args, **kwargs)
        except ValidationError as error:
            for name, messages_ in error.message_dict.items():
                errors.setdefault(name, []).extend(messages_)
            return None

    if category is None or not category.is_active:
        errors["category"] = [_("Choose a category from the list.")]
    if channel not in Channel.values:
        errors["channel"] = [_("Unknown channel.")]
    if kind not in AppealKind.values:
        errors["kind"] = [_("Choose what kind of appeal this is.")]
    text = collect(_clean_text, text)
    reporter = collect(_clean_reporter, reporter, anonymous=anonymous)
    checked = collect(_checked_uploads, list(uploads)) or []
    if errors:
        raise ValidationError(errors)

    now = clock.now()
    received_at = received_at or now
    if received_at > now:
        raise ValidationError({"received_at": _("The date of receipt cannot be in the future.")})
    language = language if language in LANGUAGES else "ky"
    sensitivity = sensitivity_for(category=category, text=text)
    route = routing.route_find(category=category, unit=place.unit)
    rule = deadlines.deadline_rule_for(route.organisation)
    received_on = timezone.localdate(received_at)

    appeal = Appeal(
        code=tracking_code_new(taken=_code_taken),
        channel=channel,
        kind=kind,
        category=category,
        text=text,
        language=language,
        place_kind=place.kind,
        latitude=place.latitude,
        longitude=place.longitude,
        unit=place.unit,
        settlement=place.settlement,
        address=place.address,
        h3_r9=place.h3_r9,
        sensitivity=sensitivity,
        anonymous=anonymous,
        submitted_by=actor if _is_resident_filing(actor, channel) else None,
        entered_by=None if _is_resident_filing(actor, channel) else _user_or_none(actor),
        organisation=route.organisation,
        co_organisation=route.co_organisation,
        status=AppealStatus.SUBMITTED,
        received_at=received_at,
        register_due=deadlines.register_due_for(received_on, rule),
        client_key=key,
        is_demo=is_demo,
    )
    deadlines.deadlines_start(appeal, rule, on=received_on)
    appeal.search_text = appeal_search_text(appeal)
    if register:
        appeal.status = AppealStatus.REGISTERED
        appeal.registered_at = now
    saved_files: list[str] = []
    try:
        with transaction.atomic():
            # The related rows were fetched and checked above: validating each foreign key
            # again would cost a query apiece on the resident's form.
            # Constraints and uniqueness are the database's to enforce (Django checks each
            # with a query of its own); the code is drawn free and the client key looked up.
            appeal.full_clean(
                exclude=_CHECKED_FIELDS, validate_unique=False, validate_constraints=False
            )
            appeal.save(force_insert=True)
            if reporter is not None:
                AppealReporter.objects.create(
                    appeal=appeal,
                    full_name=reporter.full_name,
                    phone=reporter.phone,
                    email=reporter.email,
                    postal_address=reporter.postal_address,
                    consent_to_contact=reporter.consent_to_contact,
                    language=language,
                    sensitivity=reporter_sensitivity(
                        appeal_sensitivity=sensitivity, anonymous=anonymous
                    ),
                )
            attachments = []
            for upload, content_type, content, extension in checked:
                attachment = AppealAttachment(
                    appeal=appeal,
                    original_name=upload.name[:200] or f"file.{extension}",
                    content_type=content_type,
                    size=len(content),
                    sha256=hashlib.sha256(content).hexdigest(),
                )
                attachment.file.save(f"{appeal.code}.{extension}", ContentFile(content), save=False)
                saved_files.append(attachment.file.name)
                attachment.save()
                attachments.append(attachment)
            timeline.appeal_submitted(
                appeal=appeal,
                changes={
                    "code": appeal.code,
                    "channel": channel,
                    "kind": kind,
                    "category": category.pk,
                    "unit": place.unit.pk,
                    "organisation": appeal.organisation_id,
                    "co_organisation": appeal.co_organisation_id,
                    "sensitivity": sensitivity,
                    "anonymous": anonymous,
                    "text": text,
                    "attachments": len(attachments),
                    "routing_rule": route.rule.pk if route.rule else None,
                },
                actor=actor,
            )
            if register:
                timeline.appeal_registered(
                    appeal=appeal, actor=actor, organisation=appeal.organisation
                )
                messages.resident_told_registered(appeal)
    except IntegrityError:
        _files_delete(saved_files)
        if key is not None and (existing := Appeal.objects.filter(client_key=key).first()):
            # The same key sent twice at once: the other request made it.
            return Submission(appeal=existing, created=False)
        raise
    except BaseException:
        _files_delete(saved_files)
        raise
    return Submission(appeal=appeal, created=True, attachments=attachments)


def _files_delete(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _user_or_none(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _is_resident_filing(actor, channel: str) -> bool:
    """A signed-in resident filing for themselves (the web form or the API), as opposed to
    staff typing in somebody's call."""
    return _user_or_none(actor) is not None and channel in (Channel.WEB, Channel.API)


def appeal_search_text(appeal: Appeal) -> str:
    """What the queue's search looks in, case-folded in Python (SQLite folds ASCII only)."""
    return "\n".join(
        part.casefold().replace("ё", "е")
        for part in (appeal.code, appeal.text, appeal.address)
        if part
    )
