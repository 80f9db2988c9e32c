"""The admin lets staff read enterprises; nothing changes there without a service and its audit event."""

from __future__ import annotations

from django.urls import reverse

from bayfin.enterprises.models import Enterprise

from ..factories import BeneficialOwnerFactory, FinancialStatementFactory, UserFactory


def test_admin_is_read_only(client, enterprise):
    BeneficialOwnerFactory(enterprise=enterprise, name="Kyc Owner")
    FinancialStatementFactory(enterprise=enterprise, year=2024)
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get(reverse("admin:enterprises_enterprise_changelist")).status_code == 200
    page = client.get(reverse("admin:enterprises_enterprise_change", args=[enterprise.pk]))
    assert page.status_code == 200 and "Kyc Owner" in page.content.decode()
    assert client.get(reverse("admin:enterprises_enterprise_add")).status_code == 403
    client.post(reverse("admin:enterprises_enterprise_change", args=[enterprise.pk]), {"employees": 1})
    assert Enterprise.objects.get(pk=enterprise.pk).employees == 60
    for model in ("beneficialowner", "certification", "financialstatement"):
        assert client.get(reverse(f"admin:enterprises_{model}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:enterprises_{model}_add")).status_code == 403
