"""Forms of the survey pages: answering a questionnaire (any channel), editing a draft's items,
the store's survey settings, sending a link and importing external results."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dealercare.followups.choices import TaskKind

from .choices import Business, ItemKind, Scale
from .models import Dimension, Item, ScoringModel, Section, SurveySettings

SCORES = [(str(n), str(n)) for n in range(1, 11)]
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class AnswerForm(forms.Form):
    """One field per item of a version, named ``item_<code>``; grouped by section to render."""

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version
        self.sections = []
        items = list(version.items.select_related("section").order_by("section__order", "order"))
        current = None
        for item in items:
            if current is None or current[0].pk != item.section_id:
                current = (item.section, [])
                self.sections.append(current)
            name = f"item_{item.code}"
            self.fields[name] = self._field(item)
            current[1].append((item, name))

    @staticmethod
    def _field(item):
        common = {"label": item.text, "required": item.required}
        if item.kind == ItemKind.SCORE:
            return forms.ChoiceField(choices=SCORES, widget=forms.RadioSelect, **common)
        if item.kind == ItemKind.YES_NO:
            return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, **common)
        if item.kind == ItemKind.CHOICE:
            choices = [(str(c), str(c)) for c in item.choices]
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, **common)

    def rows(self):
        """[(section, [(item, bound field)])] for the template."""
        return [(section, [(item, self[name]) for item, name in items]) for section, items in
                self.sections]  # fmt: skip

    def answers(self):
        """{item code: value} of the cleaned form (blank answers left out)."""
        return {
            name.removeprefix("item_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("item_") and value not in ("", None)
        }


class ItemEditForm(forms.ModelForm):
    """One item row of a draft."""

    choices_text = forms.CharField(
        label=_("Choices (one per line)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = Item
        fields = ["section", "order", "code", "text", "kind", "dimension", "weight", "required"]

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = Section.objects.filter(version=version)
        self.fields["dimension"].queryset = Dimension.objects.filter(
            business=version.questionnaire.business
        )
        self.fields["dimension"].required = False
        _style(self)
        if self.instance.pk and self.instance.choices:
            self.initial["choices_text"] = "\n".join(map(str, self.instance.choices))

    def _post_clean(self):
        """The model is validated by services.items_save(), which names the row."""

    def row(self):
        """The item's fields for items_save()."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["choices"] = [
            line.strip() for line in self.cleaned_data["choices_text"].splitlines() if line.strip()
        ]
        return data


class SectionAddForm(forms.Form):
    title = forms.CharField(label=_("New section"), max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


def _style(form):
    """Tabler classes on a form's widgets."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif not isinstance(widget, forms.RadioSelect):
            widget.attrs.setdefault("class", "form-control")


class SettingsForm(forms.ModelForm):
    """A store's survey settings."""

    class Meta:
        model = SurveySettings
        fields = [
            "scoring_model", "sales_scoring_model", "survey_interval_days",
            "low_answer_threshold", "recover_on_no", "invitation_valid_days", "sms_template",
        ]  # fmt: skip

    def __init__(self, *args, questionnaires=(), assignments=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The shipped models and the store's dealer group's own.
        visible = ScoringModel.objects.filter(
            Q(group__isnull=True) | Q(group_id=self.instance.store.group_id)
        )
        self.fields["scoring_model"].queryset = visible.filter(business=Business.SERVICE)
        self.fields["sales_scoring_model"].queryset = visible.filter(business=Business.SALES)
        self.kind_fields = []
        by_pk = {str(q.pk): q for q in questionnaires}
        self.questionnaires = by_pk
        for kind, label in TaskKind.choices:
            name = f"kind_{kind}"
            self.fields[name] = forms.ChoiceField(
                label=label,
                required=False,
                choices=[("", _("No survey in this call"))]
                + [(pk, f"{q.name} ({q.code})") for pk, q in by_pk.items()],
                initial=str((assignments or {}).get(kind).pk)
                if (assignments or {}).get(kind)
                else "",
            )
            self.kind_fields.append(name)
        _style(self)

    def assignments(self):
        """{task kind: Questionnaire or None}."""
        return {
            name.removeprefix("kind_"): self.questionnaires.get(self.cleaned_data[name])
            for name in self.kind_fields
        }

    def kind_rows(self):
        return [self[name] for name in self.kind_fields]


class CustomerLookupForm(forms.Form):
    """Find the customer a tablet survey or an SMS link is for: number or mobile."""

    who = forms.CharField(label=_("Customer number or mobile"), max_length=30)
    business = forms.ChoiceField(label=_("Business"), choices=Business.choices,
                                 initial=Business.SERVICE, required=False)  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class ImportForm(forms.Form):
    """An external research firm's results (.xlsx)."""

    store = forms.ChoiceField(label=_("Store"))
    questionnaire = forms.ChoiceField(label=_("Questionnaire"))
    study = forms.CharField(label=_("Study"), max_length=100,
                            help_text=_("The research firm and the wave, e.g. “J.D. Power 2026 Q1”."))  # fmt: skip
    weights = forms.CharField(
        label=_("The study's dimension weights"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional, one per line: service_skill=22. Empty: the store's model."),
    )
    file = forms.FileField(label=_("Excel file (.xlsx)"))

    def __init__(self, *args, stores, questionnaires, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [(str(s.pk), s.name) for s in stores]
        self.fields["questionnaire"].choices = [
            (str(q.pk), f"{q.name} ({q.code})") for q in questionnaires
        ]
        _style(self)


class ScoringModelForm(forms.Form):
    """A dealer group's own scoring model: code, name, business, scale and a relative weight per
    dimension of that business (fields weight_<dimension code>, built from the dimensions)."""

    code = forms.SlugField(
        label=_("Code"), max_length=24,
        help_text=_("Letters, digits and hyphens; the group's code is put in front."),
    )  # fmt: skip
    name = forms.CharField(label=_("Name"), max_length=100)
    business = forms.ChoiceField(label=_("Business"), choices=Business.choices)
    scale = forms.TypedChoiceField(label=_("Scale"), choices=Scale.choices, coerce=int)

    def __init__(self, *args, dimensions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.dimensions = list(dimensions)
        for dimension in self.dimensions:
            self.fields[f"weight_{dimension.code}"] = forms.CharField(
                label=dimension.name, required=False, max_length=20,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0"}),
            )  # fmt: skip
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def weight_rows(self):
        """(business label, [bound weight fields]) per business, for the template."""
        rows = {}
        for dimension in self.dimensions:
            label = Business(dimension.business).label
            rows.setdefault(label, []).append(self[f"weight_{dimension.code}"])
        return list(rows.items())

    def weights(self):
        """The weights given for the chosen business's dimensions."""
        business = self.cleaned_data["business"]
        return {
            d.code: self.cleaned_data.get(f"weight_{d.code}", "")
            for d in self.dimensions
            if d.business == business
        }
