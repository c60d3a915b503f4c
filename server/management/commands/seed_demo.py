"""Load a demo community once: an admin, mentors and mentees with filled profiles, a
mentorship with its room, a cohort, a few messages and the rooms' next meetings
(`cohort.py start` runs it).

It lives in `server`, above every app it uses (community, mentoring, chat, calendar), and
makes everything through their services, as if the people had clicked. Run again, it changes
nothing. The demo password is printed the first time only.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from calendar_app.services import booking as booking_services
from calendar_app.services import events as event_services
from chat.services import message_send
from community import default_vocabulary
from community.models import Profile, Role, Topic, User, Visibility
from community.search import profiles_reindex
from mentoring.services import cohorts, relationship, requests
from rooms.models import Room

PEOPLE: list[dict[str, Any]] = [
    {"email": "admin@cohort.example", "name": "Amélie Tremblay", "role": Role.ADMIN,
     "pronouns": "she/her", "headline": "Programme lead, Women in Tech Montréal",
     "bio": "I run the mentoring programme and match people who should know each other.",
     "city": "Montréal", "time_zone": "America/Toronto", "languages": ["fr", "en"],
     "industry": "Non-profit", "years": 15, "expertise": ["Engineering leadership"],
     "skills": ["Public speaking"], "offer": "Introductions, programme advice."},
    {"email": "nadia.mentor@cohort.example", "name": "Nadia Benali", "role": Role.MENTOR,
     "pronouns": "she/her", "headline": "Staff engineer, payments platform",
     "bio": "Backend engineer for 14 years, now staff engineer. I love helping people grow "
            "from mid-level to senior and navigate promotions.",
     "city": "Montréal", "time_zone": "America/Toronto", "languages": ["fr", "en", "ar"],
     "industry": "Fintech", "years": 14, "capacity": 3,
     "expertise": ["Software engineering", "Engineering leadership"],
     "skills": ["Python", "Negotiation", "Salary negotiation"],
     "offer": "Negotiation, promotion cases, system design reviews."},
    {"email": "grace.mentor@cohort.example", "name": "Grace Okafor", "role": Role.MENTOR,
     "pronouns": "she/her", "headline": "Head of data science",
     "bio": "I lead a data science team of twelve. Ask me about ML careers and about "
            "moving from academia to industry.",
     "city": "Toronto", "time_zone": "America/Toronto", "languages": ["en"],
     "industry": "Health", "years": 11, "capacity": 2,
     "expertise": ["Data science"], "skills": ["Machine learning", "Python", "Team management"],
     "offer": "ML career paths, reviewing portfolios, leaving academia."},
    {"email": "mei.mentor@cohort.example", "name": "Mei Lin", "role": Role.MENTOR,
     "pronouns": "she/her", "headline": "Security architect",
     "bio": "Cloud security architect. I mentor people moving into security from other fields.",
     "city": "Vancouver", "time_zone": "America/Vancouver", "languages": ["en", "zh-hans"],
     "industry": "Cloud", "years": 12, "capacity": 2,
     "expertise": ["Cybersecurity", "Cloud infrastructure"],
     "skills": ["Kubernetes", "Career change"],
     "offer": "Getting into security, certifications that matter, cloud architecture."},
    {"email": "sophie.mentor@cohort.example", "name": "Sophie Gagnon", "role": Role.MENTOR,
     "pronouns": "elle", "headline": "Directrice produit",
     "bio": "Directrice produit dans une entreprise SaaS. J'accompagne les personnes qui "
            "passent du développement à la gestion de produit.",
     "city": "Québec", "time_zone": "America/Toronto", "languages": ["fr", "en"],
     "industry": "SaaS", "years": 16, "capacity": 3,
     "expertise": ["Product management", "Entrepreneurship"],
     "skills": ["Public speaking", "Team management"],
     "offer": "Passer au produit, prise de parole, leadership."},
    {"email": "lea.mentee@cohort.example", "name": "Léa Martin", "role": Role.MEMBER,
     "pronouns": "elle", "headline": "Développeuse junior",
     "bio": "Diplômée depuis un an, je travaille en Python et je veux progresser "
            "vers un poste senior.",
     "city": "Montréal", "time_zone": "America/Toronto", "languages": ["fr", "en"],
     "industry": "Fintech", "years": 1, "expertise": ["Software engineering"], "skills": ["Python"],
     "develop": "Negotiation, system design, confidence in meetings.",
     "wants": ["Negotiation", "Engineering leadership"]},
    {"email": "priya.mentee@cohort.example", "name": "Priya Sharma", "role": Role.MEMBER,
     "pronouns": "she/her", "headline": "PhD student moving into industry",
     "bio": "Finishing a PhD in statistics, looking for my first data science role.",
     "city": "Toronto", "time_zone": "America/Toronto", "languages": ["en", "hi"],
     "industry": "Health", "years": 2, "expertise": ["Data science"],
     "skills": ["Machine learning"], "develop": "Leaving academia, ML engineering, interviews.",
     "wants": ["Machine learning", "Career change"]},
    {"email": "fatou.mentee@cohort.example", "name": "Fatou Diop", "role": Role.MEMBER,
     "pronouns": "she/her", "headline": "IT support analyst",
     "bio": "Three years in IT support; I want to move into cybersecurity.",
     "city": "Ottawa", "time_zone": "America/Toronto", "languages": ["fr", "en"],
     "industry": "Government", "years": 3, "expertise": ["Cybersecurity"],
     "skills": ["Career change"], "develop": "Getting into security, certifications.",
     "wants": ["Cybersecurity", "Cloud infrastructure"]},
    {"email": "chloe.mentee@cohort.example", "name": "Chloé Roy", "role": Role.MEMBER,
     "pronouns": "elle", "headline": "Développeuse front-end",
     "bio": "Je code des interfaces depuis quatre ans et la gestion de produit m'attire.",
     "city": "Québec", "time_zone": "America/Toronto", "languages": ["fr"],
     "industry": "SaaS", "years": 4, "expertise": ["UX design"],
     "skills": ["JavaScript", "Accessibility"], "develop": "Passer au produit, prise de parole.",
     "wants": ["Product management", "Public speaking"]},
]


class Command(BaseCommand):
    help = "Create the demo community if the database has no member yet."

    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.exists():
            self.stdout.write("cohort: the community already has members; demo data unchanged.")
            return
        password = secrets.token_urlsafe(9)
        with transaction.atomic():
            topics = {}
            for default in default_vocabulary.TOPICS:
                topics[default.name] = Topic.objects.create(
                    kind=default.kind, name=default.name, name_fr=default.name_fr,
                    synonyms=list(default.synonyms), synonyms_fr=list(default.synonyms_fr))
            people = {p["email"]: self._person(p, password, topics) for p in PEOPLE}
            self._rooms(people)
            profiles_reindex()
        self.stdout.write(self.style.SUCCESS(
            "cohort: demo community created. Sign in as admin@cohort.example (admin), "
            f"nadia.mentor@cohort.example (mentor) or lea.mentee@cohort.example (mentee) "
            f"with the password: {password}\n"
            "cohort: this password is shown only now; keep it."))

    def _rooms(self, people: dict[str, User]) -> None:
        """A mentorship with its room and a goal, a waiting request, a cohort, a few messages.

        Everything goes through the mentoring and chat services, as if the people had clicked.
        """
        nadia, lea = people["nadia.mentor@cohort.example"], people["lea.mentee@cohort.example"]
        mentorship = requests.request_send(
            mentee=lea, mentor=nadia,
            note="Bonjour Nadia, I want to prepare my first promotion case and negotiate it.")
        mentorship = requests.request_accept(mentor=nadia, mentorship_id=mentorship.pk)
        pair = mentorship.room
        assert pair is not None  # nosec B101  # demo data: an accepted pair has its room
        relationship.agreement_save(
            user=nadia, mentorship=mentorship, cadence="fortnightly", duration_months=6,
            goals="A promotion case ready for the spring review; confidence in negotiation.")
        goal = relationship.goal_add(user=lea, mentorship=mentorship,
                                     title="Build my promotion case")
        done = relationship.milestone_add(user=lea, goal=goal, title="List three projects")
        relationship.milestone_add(user=lea, goal=goal, title="Rehearse with Nadia")
        relationship.milestone_set_done(user=lea, milestone=done, done=True)
        requests.request_send(
            mentee=people["chloe.mentee@cohort.example"],
            mentor=people["sophie.mentor@cohort.example"],
            note="Bonjour Sophie, j'aimerais passer du front-end à la gestion de produit.")
        grace = people["grace.mentor@cohort.example"]
        group = cohorts.cohort_create(
            actor=grace, mentor=grace, name="Data science cohort",
            topic="Thursdays 18:00, online",
            mentees=[people["priya.mentee@cohort.example"], people["fatou.mentee@cohort.example"]])
        script = [
            (pair, lea, "Merci Nadia! I'd like to prepare my **promotion case**."),
            (pair, nadia, "Great. Bring a list of three projects you are proud of on Thursday."),
            (group, grace, "Hello everyone, this is our cohort room. Introduce yourselves!"),
            (group, people["priya.mentee@cohort.example"],
             "Hi, I'm Priya, finishing a PhD in statistics. @**Grace Okafor** thanks for "
             "hosting!"),
        ]
        for index, (room, author, text) in enumerate(script):
            message_send(author=author, room_id=room.pk, text=text, client_id=f"demo-{index}")
        self._calendar(grace, group, nadia, pair)
        self._hours(nadia)

    def _calendar(self, grace: User, group: Room, nadia: User, pair: Room) -> None:
        """The cohort's weekly session (Thursdays 18:00, Toronto) and the pair's next meeting."""
        today = timezone.localdate()
        thursday = today + timedelta(days=(3 - today.weekday()) % 7 or 7)
        event_services.event_create(user=grace, room_id=group.pk, data={
            "title": "Data science cohort: weekly session", "time_zone": "America/Toronto",
            "start": f"{thursday}T18:00", "end": f"{thursday}T19:00",
            "rrule": "FREQ=WEEKLY;COUNT=12", "video_call": True,
            "description": "Bring one question about your **project** each week."})
        meeting = today + timedelta(days=2)
        event_services.event_create(user=nadia, room_id=pair.pk, data={
            "title": "Promotion case: first draft", "time_zone": "America/Toronto",
            "start": f"{meeting}T12:00", "end": f"{meeting}T12:45", "video_call": True})

    def _hours(self, nadia: User) -> None:
        """Nadia's bookable hours: 45-minute sessions at lunch and on Wednesday evenings."""
        booking_services.booking_settings_update(user=nadia, data={
            "time_zone": "America/Toronto", "slot_minutes": "45", "window_days": "28",
            "notice_hours": "12", "enabled": "on"})
        booking_services.windows_set(user=nadia, windows=[
            {"weekday": 1, "start": "12:00", "end": "14:00"},
            {"weekday": 2, "start": "17:00", "end": "19:00"},
            {"weekday": 3, "start": "12:00", "end": "14:00"}])

    def _person(self, person: dict[str, Any], password: str, topics: dict[str, Topic]) -> User:
        role = person["role"]
        user = User.objects.create_user(
            email=person["email"], password=password, name=person["name"], role=role,
            is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        Profile.objects.filter(user=user).update(
            pronouns=person["pronouns"], headline=person["headline"], bio=person["bio"],
            city=person["city"], time_zone=person["time_zone"], languages=person["languages"],
            industry=person["industry"], years_experience=person["years"],
            mentor_capacity=person.get("capacity", 0), can_offer=person.get("offer", ""),
            wants_to_develop=person.get("develop", ""),
            availability="Weekday evenings" if role == Role.MENTOR else "",
            contact_details=f"{user.email}", contact_visibility=Visibility.MEMBERS)
        profile = Profile.objects.get(user=user)
        profile.expertise.set([topics[name] for name in person["expertise"]])
        profile.skills.set([topics[name] for name in person["skills"]])
        profile.wants_topics.set([topics[name] for name in person.get("wants", [])])
        return user
