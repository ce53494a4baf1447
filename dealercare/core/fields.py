"""Model fields that store Chinese identifiers in canonical form and validate them."""

from django.db import models

from . import validators as v


class _NormalizingCharField(models.CharField):
    normalizer = staticmethod(lambda raw: raw)
    field_validators = ()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", self.default_max_length)
        super().__init__(*args, **kwargs)
        self.validators.extend(self.field_validators)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("max_length") == self.default_max_length:
            kwargs.pop("max_length")
        return name, path, args, kwargs

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        return self.normalizer(value) or value  # keep the raw text when invalid: validators say why


class MobileField(_NormalizingCharField):
    """An 11-digit mainland mobile number; accepts +86, spaces and dashes on input."""

    default_max_length = 20
    normalizer = staticmethod(v.normalize_mobile)
    field_validators = (v.validate_mobile,)


class PhoneField(_NormalizingCharField):
    """Any valid CN number (mobile or landline), stored as its national significant number."""

    default_max_length = 20
    normalizer = staticmethod(v.normalize_phone)
    field_validators = (v.validate_phone,)


class VINField(_NormalizingCharField):
    default_max_length = 17
    normalizer = staticmethod(v.normalize_vin)
    field_validators = (v.validate_vin,)

    def to_python(self, value):
        value = models.CharField.to_python(self, value)
        return v.normalize_vin(value) if value else value


class PlateField(_NormalizingCharField):
    default_max_length = 10
    normalizer = staticmethod(v.normalize_plate)
    field_validators = (v.validate_plate,)


class USCCField(_NormalizingCharField):
    default_max_length = 18
    normalizer = staticmethod(v.normalize_uscc)
    field_validators = (v.validate_uscc,)
