"""Forms of the import pages: upload, column mapping, commit choice."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dealercare.accounts.models import Store

from .choices import ImportKind
from .columns import columns_for

MSG_NOT_MAPPED = _("— not imported —")


class UploadForm(forms.Form):
    store = forms.ModelChoiceField(label=_("Store"), queryset=Store.objects.none())
    kind = forms.ChoiceField(label=_("The file holds"), choices=ImportKind.choices)
    source_name = forms.CharField(
        label=_("Source"),
        max_length=60,
        required=False,
        help_text=_("E.g. the DMS name. Files from the same source reuse its column mapping."),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8 or GBK) or Excel (.xlsx, .xls), up to %(max)s MB."),
    )

    def __init__(self, *args, stores, max_mb, sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores
        self.only_store = stores.first() if stores.count() == 1 else None
        if self.only_store is not None:
            self.fields["store"].initial = self.only_store
            self.fields["store"].required = False
            self.fields["store"].widget = forms.HiddenInput()
        self.fields["file"].help_text = self.fields["file"].help_text % {"max": max_mb}
        self.fields["file"].widget.attrs["accept"] = ".csv,.txt,.xlsx,.xls,.xlsm"
        self.fields["source_name"].widget.attrs["list"] = "import-sources"
        self.sources = list(sources)
        for name in ("store", "kind", "source_name", "file"):
            self.fields[name].widget.attrs.setdefault("class", "form-select" if name in (
                "store", "kind") else "form-control")  # fmt: skip

    def clean_store(self):
        return self.cleaned_data.get("store") or self.only_store


class MappingForm(forms.Form):
    """One select per file column: the field it goes to, or not imported."""

    def __init__(self, *args, job, **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        choices = [("", MSG_NOT_MAPPED)] + [(c.key, c.label) for c in columns_for(job.kind)]
        self.columns = []
        for index, header in enumerate(job.headers):
            name = f"col_{index}"
            self.fields[name] = forms.ChoiceField(
                label=header, choices=choices, required=False,
                initial=job.mapping.get(str(index), ""),
                widget=forms.Select(attrs={"class": "form-select form-select-sm",
                                           "data-column": header}),
            )  # fmt: skip
            samples = [row[index] for row in job.samples if index < len(row) and row[index]]
            self.columns.append((index, header, name, samples))

    def bound_columns(self):
        return [(index, header, self[name], samples)
                for index, header, name, samples in self.columns]  # fmt: skip

    def mapping(self):
        return {
            index: self.cleaned_data.get(name) or ""
            for index, _header, name, _samples in self.columns
        }


class CommitForm(forms.Form):
    mode = forms.ChoiceField(choices=[("all", _("All rows")), ("valid", _("Valid rows only"))])
