from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    POLICE_DEPARTMENT = "police_department", _("Police department")
    POLICE_STATION = "police_station", _("Police station or post")
    BORDER_UNIT = "border_unit", _("Border service unit")
    OMBUDSMAN_OFFICE = "ombudsman_office", _("Ombudsman's office")
    LOCAL_GOVERNMENT = "local_government", _("Local self-government")
    PREVENTION_COMMISSION = "prevention_commission", _("Crime prevention commission")
    PREVENTION_CENTRE = "prevention_centre", _("Community Prevention Centre")
    AKSAKALS_COURT = "aksakals_court", _("Aksakals' court")
    WOMENS_COUNCIL = "womens_council", _("Women's council")
    YOUTH_COMMITTEE = "youth_committee", _("Youth committee")
    RELIGIOUS_ORGANISATION = "religious_organisation", _("Religious organisation")
    SCHOOL = "school", _("School")
    NGO = "ngo", _("Non-governmental organisation")
    INTERNATIONAL_PARTNER = "international_partner", _("International partner")


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    DUTY_OFFICER = "duty_officer", _("Duty officer")
    DISTRICT_OFFICER = "district_officer", _("District police officer")
    INVESTIGATOR = "investigator", _("Investigator")
    SUPERVISOR = "supervisor", _("Supervisor")
    PREVENTION_CENTRE_MEMBER = "prevention_centre_member", _("Prevention centre member")
    OMBUDSMAN_OFFICER = "ombudsman_officer", _("Ombudsman officer")
    BORDER_OFFICER = "border_officer", _("Border officer")
    LOCAL_OFFICIAL = "local_official", _("Local official")
    ANALYST = "analyst", _("Analyst")
    PARTNER_VIEWER = "partner_viewer", _("Partner viewer")
    ADMINISTRATOR = "administrator", _("Administrator")


class Action(models.TextChoices):
    """What a user asks to do with a record; orgs.policy answers."""

    VIEW = "view", _("view")
    CREATE = "create", _("create")
    CHANGE = "change", _("change")
    DELETE = "delete", _("delete")
    EXPORT = "export", _("export")
    ASSIGN = "assign", _("assign")
    # Accounts, memberships and organisations: who may work where.
    MANAGE = "manage", _("manage")
