from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("stores/", views.store_list, name="store-list"),
    path("stores/new/", views.store_create, name="store-create"),
    path("stores/<int:pk>/settings/", views.store_settings, name="store-settings"),
    path("users/", views.user_list, name="user-list"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/<int:pk>/", views.user_edit, name="user-edit"),
]
