from django.urls import path

from ishenim.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("work/", views.my_work, name="my_work"),
    path("about/", views.about, name="about"),
]
