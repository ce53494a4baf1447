from django.urls import path

from dealercare.core.placeholder import placeholder as p

urlpatterns = [
    path("", p, name="home"),
    path("login/", p, name="login"),
    path("logout/", p, name="logout"),
    path("stores/", p, name="store-list"),
    path("stores/<int:pk>/settings/", p, name="store-settings"),
    path("users/", p, name="user-list"),
    path("users/new/", p, name="user-create"),
    path("users/<int:pk>/", p, name="user-edit"),
]
