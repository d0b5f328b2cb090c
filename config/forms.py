"""What every app's HTML forms share."""

from django import forms


class BootstrapForm(forms.Form):
    """Bootstrap 5 classes on every widget (the templates render fields one by one): `form-select` on a select
    (single or multiple), `form-control` on the rest; check boxes, radios and hidden fields keep theirs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.HiddenInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"  # SelectMultiple too
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
