from django.urls import path

from ishenim.orgs import views

app_name = "orgs"

urlpatterns = [
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/password/", views.password_change, name="password_change"),
    path("accounts/two-factor/", views.two_factor_enrol, name="two_factor_enrol"),
    path("accounts/two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("accounts/two-factor/backup-codes/", views.backup_codes_renew, name="backup_codes_renew"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
]
