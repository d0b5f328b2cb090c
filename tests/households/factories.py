"""Households factories and helpers. Reviews are recorded through the service, so the engine classifies them."""

import factory

from config.text import fold
from households.models import Household
from households.services import review_record
from tests.factories import CommuneFactory

POOR_DEPRIVATIONS = ("health_insurance", "housing_quality", "sanitation")


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    commune = factory.SubFactory(CommuneFactory)
    code = factory.Sequence(lambda n: f"HO-{n:05d}")
    head_name = factory.Sequence(lambda n: f"Người Thử {n}")
    head_name_search = factory.LazyAttribute(lambda o: fold(o.head_name))
    id_number = factory.Sequence(lambda n: f"0061{n:08d}")
    village = "Thôn Nà Mòn"
    ethnicity = "Tày"
    is_ethnic_minority = True
    members = 4


# Inputs that the engine scores as each class under 2022-2025 in a rural commune.
RURAL = {
    "poor": {"income_per_capita": 1_000_000, "deprivations": POOR_DEPRIVATIONS},
    "near_poor": {"income_per_capita": 1_200_000, "deprivations": ("health_insurance",)},
    "middle": {"income_per_capita": 2_000_000, "deprivations": ()},
    "not_poor": {"income_per_capita": 5_000_000, "deprivations": ()},
}


def record(household, year: int, classification: str, **kwargs):
    """Record a periodic review whose inputs make the engine say `classification` (rural lines)."""
    values = {"area": "rural", **RURAL[classification], **kwargs}
    return review_record(household=household, year=year, **values)
