"""factory_boy factories that keep units consistent (a commune's district is its parent)."""

import factory
from django.contrib.auth import get_user_model

from config.text import fold
from provinces.models import LEGACY_VALID_FROM, LEGACY_VALID_TO, AdministrativeUnit, Role, UserProfile

TEST_PASSWORD = "mat-khau-thu-nghiem-2026"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdministrativeUnit
        django_get_or_create = ("code", "valid_from")

    code = factory.Sequence(lambda n: f"{90000 + n:05d}")
    level = AdministrativeUnit.Level.COMMUNE
    name = factory.LazyAttribute(lambda o: f"{o.unit_type.capitalize()} {o.short_name}")
    short_name = factory.Sequence(lambda n: f"Thử Nghiệm {n}")
    unit_type = "xã"
    area = AdministrativeUnit.Area.RURAL
    valid_from = LEGACY_VALID_FROM
    valid_to = LEGACY_VALID_TO
    search_text = factory.LazyAttribute(lambda o: fold(f"{o.name} {o.code}"))


class ProvinceFactory(UnitFactory):
    level = AdministrativeUnit.Level.PROVINCE
    code = factory.Sequence(lambda n: f"{70 + n % 29:02d}")
    unit_type = "tỉnh"


class DistrictFactory(UnitFactory):
    level = AdministrativeUnit.Level.DISTRICT
    code = factory.Sequence(lambda n: f"{900 + n % 99:03d}")
    unit_type = "huyện"
    parent = factory.SubFactory(ProvinceFactory)


class CommuneFactory(UnitFactory):
    parent = factory.SubFactory(DistrictFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UserProfile

    user = factory.SubFactory(UserFactory)
    role = Role.DISTRICT_OFFICER
    unit = factory.SubFactory(DistrictFactory)
