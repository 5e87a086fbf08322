"""factory-boy factories shared by every test folder."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from registry.models import Membership, MembershipCategory, Organization, Region, Standing


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"region-{n}")
    name = factory.Sequence(lambda n: f"Region {n}")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Student Union {n}")
    acronym = factory.Sequence(lambda n: f"SU{n}")
    slug = factory.Sequence(lambda n: f"student-union-{n}")
    country = "KE"
    region = factory.SubFactory(RegionFactory)
    city = "Nairobi"
    email = factory.LazyAttribute(lambda o: f"contact@{o.slug}.example.org")
    founded_year = 1990
    students_represented = 10_000


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    category = MembershipCategory.FULL
    standing = Standing.ACTIVE
    admitted_on = datetime.date(2020, 5, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}@example.org")
    email = factory.SelfAttribute("username")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*(Group.objects.get_or_create(name=name)[0] for name in extracted))
