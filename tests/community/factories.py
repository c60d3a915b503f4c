"""Builders of community data for tests."""

from __future__ import annotations

from typing import Any

import factory
from allauth.account.models import EmailAddress

from community.models import Block, MentorApplication, Role, Topic, User

PASSWORD = "a-long-test-password"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.org")
    name = factory.Sequence(lambda n: f"Member {n}")
    role = Role.MEMBER

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        password = kwargs.pop("password", PASSWORD)
        if kwargs.get("role") == Role.ADMIN:
            kwargs.setdefault("is_staff", True)
        user = model_class.objects.create_user(*args, password=password, **kwargs)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        return user


class MentorFactory(UserFactory):
    role = Role.MENTOR

    @factory.post_generation
    def capacity(self, create: bool, extracted: int | None, **kwargs: Any) -> None:
        self.profile.mentor_capacity = 2 if extracted is None else extracted
        self.profile.save(update_fields=["mentor_capacity"])


class AdminFactory(UserFactory):
    role = Role.ADMIN


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    kind = Topic.Kind.EXPERTISE
    name = factory.Sequence(lambda n: f"Topic {n}")


class BlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Block

    blocker = factory.SubFactory(UserFactory)
    blocked = factory.SubFactory(UserFactory)


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MentorApplication
        skip_postgeneration_save = True

    applicant = factory.SubFactory(UserFactory)
    motivation = "I have led teams for ten years and want to give back."
    capacity = 2

    @factory.post_generation
    def expertise(self, create: bool, extracted: list[Topic] | None, **kwargs: Any) -> None:
        self.expertise.set(extracted or [TopicFactory()])


def profile_fill(user: User, **fields: Any) -> User:
    """Set profile fields (topic lists included) and index them, as a profile edit would."""
    from community.search import profile_index

    for key, value in fields.items():
        if key in ("expertise", "skills", "wants_topics"):
            getattr(user.profile, key).set(value)
        else:
            setattr(user.profile, key, value)
    user.profile.save()
    profile_index(user.profile)
    return user
