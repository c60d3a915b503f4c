"""The audit log: every recorded action has its sentence, names are current, filters work."""

from __future__ import annotations

import ast
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone, translation

from community import services
from community.admin import AuditedAdmin
from community.audit import ACTIONS, action_for, audit_lines, audit_record
from community.models import AuditEntry, Topic
from tests.community.factories import AdminFactory, ApplicationFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
APPS = ("community", "rooms", "chat", "notifications", "mentoring", "video", "documents",
        "calendar_app", "server")


def recorded_actions() -> list[tuple[str, str, bool]]:
    """(file:line, code, is_prefix) of every `audit_record(...)` call in the code base: a
    literal code, or the literal start of an f-string code."""
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name != "audit_record":
                    continue
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                action = next((k.value for k in node.keywords if k.arg == "action"), None)
                if isinstance(action, ast.Constant) and isinstance(action.value, str):
                    found.append((where, action.value, False))
                elif isinstance(action, ast.JoinedStr) and isinstance(
                        action.values[0], ast.Constant):
                    found.append((where, str(action.values[0].value), True))
                elif isinstance(action, ast.IfExp):
                    for branch in (action.body, action.orelse):
                        assert isinstance(branch, ast.Constant), where
                        found.append((where, branch.value, False))
                else:
                    pytest.fail(f"{where}: the action code is not a literal the test can read")
    return found


@pytest.mark.pure
def test_every_action_code_the_code_base_records_has_its_sentence():
    found = recorded_actions()
    assert len(found) >= 10  # the calls this test knows are all read
    for where, code, is_prefix in found:
        if is_prefix:  # f"admin.add.{model}": the catalogue's prefix entry covers it
            entry = ACTIONS.get(code.rstrip("."))
            assert entry is not None and entry.prefix, f"{where}: no sentence for {code}*"
        else:
            assert code in ACTIONS, f"{where}: no sentence for {code}"
    codes = {code.rstrip(".") for _where, code, _prefix in found}
    assert codes == set(ACTIONS), "the catalogue has sentences nothing records"


@pytest.mark.pure
def test_every_model_of_the_audited_admin_reads_as_a_sentence():
    audited = [model for model, model_admin in admin.site._registry.items()
               if isinstance(model_admin, AuditedAdmin)]
    assert Topic in audited
    for model in audited:
        for verb in ("add", "change", "delete"):
            assert action_for(f"admin.{verb}.{model._meta.model_name}") is not None


@pytest.mark.django_db
class TestSentences:
    def test_names_are_the_current_ones_where_the_rows_exist(self):
        amelie = AdminFactory(name="Amélie Tremblay")
        application = ApplicationFactory(applicant=UserFactory(name="Maya Chen"))
        services.application_approve(admin=amelie, application=application)
        amelie.name = "Amélie Roy"
        amelie.save()
        application.applicant.name = "Maya Chen-Li"
        application.applicant.save()
        [line] = audit_lines(AuditEntry.objects.all())
        assert line.sentence == "Amélie Roy approved Maya Chen-Li as a mentor"
        with translation.override("fr"):
            assert "Amélie Roy" in audit_lines(AuditEntry.objects.all())[0].sentence

    def test_the_stored_names_otherwise(self):
        amelie = AdminFactory(email="amelie@example.org", name="Amélie")
        invitation, _token = services.invitation_create(admin=amelie, email="joy@example.org")
        services.invitation_revoke(admin=amelie, invitation=invitation)
        invitation.delete()
        amelie.delete()
        sentences = [line.sentence for line in audit_lines(AuditEntry.objects.order_by("pk"))]
        assert sentences == ["amelie@example.org invited joy@example.org",
                             "amelie@example.org withdrew the invitation to joy@example.org"]

    def test_admin_changes_and_room_members_read_plainly(self):
        amelie = AdminFactory(name="Amélie")
        topic = Topic.objects.create(kind="skill", name="Rust")
        audit_record(actor=amelie, action="admin.change.topic", target=topic, changes="[]")
        zoe = UserFactory(name="Zoé")
        audit_record(actor=amelie, action="room.member_add", target=topic, member=zoe.email)
        sentences = [line.sentence for line in audit_lines(AuditEntry.objects.order_by("pk"))]
        assert sentences[0] == "Amélie changed Rust (topic) in the administration"
        assert sentences[1].startswith("Amélie added Zoé to the room")

    def test_a_fixed_number_of_queries_however_many_entries(self, django_assert_max_num_queries):
        amelie = AdminFactory()
        for n in range(20):
            services.invitation_create(admin=amelie, email=f"p{n}@example.org")
        entries = list(AuditEntry.objects.all())
        with django_assert_max_num_queries(3):
            audit_lines(entries)


@pytest.fixture
def log(db):
    """Two admins' entries on three days."""
    ada, bea = AdminFactory(name="Ada"), AdminFactory(name="Bea")
    now = timezone.now()
    for who, email, days_ago in ((ada, "one@example.org", 0), (bea, "two@example.org", 2),
                                 (ada, "three@example.org", 5)):
        invitation, _token = services.invitation_create(admin=who, email=email)
        AuditEntry.objects.filter(target_id=str(invitation.pk)).update(
            created_at=now - timedelta(days=days_ago))
    services.invitation_revoke(admin=bea, invitation=invitation)
    return ada, bea


@pytest.mark.django_db
class TestLogPage:
    def page(self, client, who, **params):
        client.force_login(who)
        response = client.get(reverse("audit_log"), params)
        assert response.status_code == 200
        return response.content.decode()

    def test_sentences_not_codes_and_dates_nobody_misreads(self, client, log):
        ada, _bea = log
        page = self.page(client, ada)
        assert "Ada invited one@example.org" in page
        assert "Bea withdrew the invitation to three@example.org" in page
        assert "<code>" not in page and ">invitation.create<" not in page
        today = timezone.localtime()
        assert f"{today.day} {today:%b} {today.year}, " in page
        client.cookies["django_language"] = "fr"
        page = client.get(reverse("audit_log")).content.decode()
        assert "Ada" in page and f"{today.day} " in page
        assert f"{today:%d/%m}" not in page and f"{today:%m/%d}" not in page

    def test_filter_by_who_what_and_when(self, client, log):
        ada, bea = log
        page = self.page(client, ada, actor=bea.pk)
        assert "two@example.org" in page and "one@example.org" not in page
        page = self.page(client, ada, action="invitation.revoke")
        assert "withdrew" in page and "Ada invited" not in page
        start = (timezone.localdate() - timedelta(days=3)).isoformat()
        end = (timezone.localdate() - timedelta(days=1)).isoformat()
        page = self.page(client, ada, date_from=start, date_to=end)
        assert "two@example.org" in page
        assert "one@example.org" not in page and "Ada invited three" not in page

    def test_the_end_before_the_start_says_so(self, client, log):
        ada, _bea = log
        page = self.page(client, ada, date_from="2026-12-10", date_to="2026-12-01")
        assert "The end comes before the start." in page
        assert "Nothing matches these filters." in page

    def test_pages_of_fifty_keep_the_filters(self, client, log):
        ada, _bea = log
        target = Topic.objects.create(kind="skill", name="Go")
        for _n in range(60):
            audit_record(actor=ada, action="admin.change.topic", target=target)
        page = self.page(client, ada, action="admin.change")
        assert "Page 1 of 2" in page
        assert "?action=admin.change&amp;page=2" in page
        second = self.page(client, ada, action="admin.change", page=2)
        assert second.count("Ada changed Go (topic)") == 10

    @pytest.mark.parametrize("who", ["member", "mentor"])
    def test_others_are_refused(self, client, who):
        user = UserFactory(role=who)
        client.force_login(user)
        assert client.get(reverse("audit_log")).status_code == 403


@pytest.mark.pure
def test_the_dates_filter_writes_the_month_in_letters():
    from community.templatetags.community_dates import day, moment

    when = timezone.make_aware(datetime(2026, 12, 3, 14, 5))
    with translation.override("en"):
        assert moment(when) == "3 Dec 2026, 14:05"
        assert day(when) == "3 Dec 2026"
    with translation.override("fr"):
        assert moment(when) == "3 déc. 2026, 14:05"
