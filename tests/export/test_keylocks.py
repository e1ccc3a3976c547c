"""The dedup-key lock refuses to be taken where it would not hold."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError

from thrive_integration.export import keylocks


@pytest.mark.django_db(transaction=True)
def test_a_key_lock_outside_a_transaction_is_refused(connection):
    with pytest.raises(TransactionManagementError):
        keylocks.lock_keys(connection, ["ada@example.net"])
    with transaction.atomic():
        keylocks.lock_keys(connection, ["ada@example.net"])
