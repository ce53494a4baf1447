from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "dealercare.customers"
    label = "customers"
    verbose_name = "Customers"
