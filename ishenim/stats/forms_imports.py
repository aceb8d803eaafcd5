"""The import page's form: a file, what kind it is, and the dataset it goes into (one the
person may import into, or a new one). Kept apart from forms.py (the statistics pages'
filters) because it is a different page's, with its own owner.

Checks here are the ones a person can act on before anything is stored: the file's size and
name, a generic CSV's mapping (read and checked as the importer will read it), and the new
dataset's values (checked again by services.dataset_create, whose messages are shown too).
Rows are checked by the import itself, and reported on the import's page.
"""

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ishenim.core.enums import Sensitivity
from ishenim.geo.models import AdminUnit
from ishenim.stats.enums import ImportKind
from ishenim.stats.models import Dataset
from ishenim.stats.services.csvfiles import MappingError
from ishenim.stats.services.importing_uploads import UPLOAD_KINDS, mapping_from_text

# The largest file the page accepts (a national police.uk month is about 150 MB); bigger ones
# go through `ishenim import-csv` on the server, which has no upload in between.
UPLOAD_LIMIT_BYTES = 512 * 1024 * 1024
MAPPING_LIMIT_BYTES = 64 * 1024
UPLOAD_EXTENSIONS = (".csv", ".txt")
NEW_DATASET = ""
POLICE_UK_COUNTRY = "GB"
POLICE_UK_SCHEME = "police.uk"


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What the file is"),
        widget=forms.RadioSelect,
        initial=ImportKind.POLICE_UK,
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV, UTF-8 (or the encoding the mapping names)."),
    )
    mapping = forms.FileField(
        label=gettext_lazy("Column mapping (TOML)"),
        required=False,
        help_text=gettext_lazy(
            "Only for a CSV with a column mapping: which column holds what (docs/csv-import.md)."
        ),
    )
    dataset = forms.ChoiceField(label=gettext_lazy("Into the dataset"), required=False)
    name = forms.SlugField(
        label=gettext_lazy("Short name"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("For a new dataset: letters, digits and hyphens, e.g. batken-2024."),
    )
    title = forms.CharField(label=gettext_lazy("Title"), required=False, max_length=200)
    country_code = forms.CharField(
        label=gettext_lazy("Country"),
        required=False,
        max_length=2,
        validators=[RegexValidator(r"^[A-Za-z]{2}$", gettext_lazy("Give a two-letter code."))],
        help_text=gettext_lazy("ISO 3166-1 code of the country the data is from (police.uk: GB)."),
    )
    source = forms.CharField(label=gettext_lazy("Source"), required=False, max_length=500)
    licence = forms.CharField(label=gettext_lazy("Licence"), required=False, max_length=200)
    area_scheme = forms.CharField(
        label=gettext_lazy("Area codes"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("What the file's area codes are, e.g. LSOA 2011 or SOATE."),
    )
    covers = forms.CharField(
        label=gettext_lazy("Covers the unit"),
        required=False,
        max_length=32,
        help_text=gettext_lazy(
            "For this country's data: the code of the administrative unit it covers (empty:"
            " national)."
        ),
    )
    sensitivity = forms.ChoiceField(
        label=gettext_lazy("Who may see it"),
        choices=Sensitivity.choices,
        initial=Sensitivity.INTERNAL,
        # Only a new dataset's: an upload into an existing one need not send it.
        required=False,
        help_text=gettext_lazy("Only a public dataset is published as open data."),
    )

    def __init__(self, *args, datasets: list[Dataset], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (kind, label) for kind, label in ImportKind.choices if kind in UPLOAD_KINDS
        ]
        self._datasets = {dataset.name: dataset for dataset in datasets}
        self.fields["dataset"].choices = [(NEW_DATASET, _("A new dataset (described below)"))] + [
            (dataset.name, f"{dataset.title} ({dataset.name})") for dataset in datasets
        ]
        self.fields["country_code"].initial = settings.ISHENIM_COUNTRY

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_LIMIT_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s; import it on the server with ishenim.")
                % {"limit": filesizeformat(UPLOAD_LIMIT_BYTES)}
            )
        if not upload.name.lower().endswith(UPLOAD_EXTENSIONS):
            raise forms.ValidationError(_("Upload a CSV file (.csv or .txt)."))
        return upload

    def clean_covers(self):
        code = self.cleaned_data["covers"].strip()
        if not code:
            return None
        unit = AdminUnit.objects.filter(code=code).first()
        if unit is None:
            raise forms.ValidationError(
                _("There is no unit with the code %(code)s.") % {"code": code}
            )
        return unit

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == ImportKind.CSV:
            cleaned["mapping_text"] = self._mapping_text(cleaned.get("mapping"))
        else:
            cleaned["mapping_text"] = ""
        if cleaned.get("dataset", NEW_DATASET) == NEW_DATASET:
            for field in ("name", "title"):
                if not cleaned.get(field):
                    self.add_error(field, _("A new dataset needs this."))
            if kind != ImportKind.POLICE_UK and not cleaned.get("country_code"):
                self.add_error("country_code", _("A new dataset needs this."))
        elif cleaned.get("dataset") not in self._datasets:
            self.add_error("dataset", _("Choose one of the datasets listed."))
        return cleaned

    def _mapping_text(self, upload) -> str:
        if upload is None:
            self.add_error("mapping", _("A CSV with a column mapping needs its mapping file."))
            return ""
        if upload.size > MAPPING_LIMIT_BYTES:
            self.add_error("mapping", _("A mapping file is a few lines of TOML, not a data file."))
            return ""
        try:
            text = upload.read().decode("utf-8-sig")
            mapping_from_text(text)
        except UnicodeDecodeError:
            self.add_error("mapping", _("The mapping file is not in UTF-8."))
            return ""
        except MappingError as error:
            self.add_error("mapping", str(error))
            return ""
        return text

    def target(self) -> Dataset | None:
        """The chosen existing dataset (None: a new one)."""
        return self._datasets.get(self.cleaned_data.get("dataset") or NEW_DATASET)

    def new_dataset(self) -> dict | None:
        """services.dataset_create's arguments for a new dataset (None: an existing one).
        A police.uk file is data of England, Wales or Northern Ireland, whose crime types map
        to ICCS through the shipped police.uk mapping, as `ishenim import-policeuk` makes it."""
        if self.target() is not None:
            return None
        data = self.cleaned_data
        police = data["kind"] == ImportKind.POLICE_UK
        return {
            "name": data["name"],
            "title": data["title"],
            "country_code": POLICE_UK_COUNTRY if police else data["country_code"].upper(),
            "source": data["source"] or ("data.police.uk" if police else ""),
            "licence": data["licence"],
            "area_scheme": data["area_scheme"] or ("LSOA 2011" if police else ""),
            "category_scheme": POLICE_UK_SCHEME if police else "",
            "unit": None if police else data["covers"],
            "sensitivity": data["sensitivity"] or Sensitivity.INTERNAL,
        }
