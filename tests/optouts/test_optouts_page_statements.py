"""The Opt-Outs page's statements per case (issue #15), pinned with what the page shows.

The cached aggregates (totals, chart) are warm after the first view, as for a
member paging through the list; the counts are for that steady state.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from optouts import services

pytestmark = pytest.mark.usefixtures("postgres")

# Session, user, memberships (one query for the check and the switcher), the page of rows,
# the list's version, the contacts of the page's numbers, the review badge's count.
PAGE_STATEMENTS = 7


@pytest.fixture
def listed(workspace, member):
    for i in range(60):
        method = "manual" if i % 3 else "link"
        services.opt_out(workspace=workspace, phone=f"+1415555{1000 + i}", method=method, actor=member)
    return reverse("optouts:list", kwargs={"slug": workspace.slug})


@pytest.mark.parametrize(
    ("params", "statements", "rows"),
    [
        pytest.param({}, PAGE_STATEMENTS, 50, id="first page"),
        # One more: how many match, as the matches run past the page.
        pytest.param({"q": "415 555"}, PAGE_STATEMENTS + 1, 50, id="search"),
        pytest.param({"method": "link"}, PAGE_STATEMENTS, 20, id="method filter"),
        pytest.param({"page": "2"}, PAGE_STATEMENTS, 10, id="a later page"),
    ],
)
def test_each_case_of_the_opt_outs_page_takes_a_fixed_number_of_statements(
    member_client, listed, params, statements, rows, django_assert_max_num_queries
):
    member_client.get(listed, params)  # the totals and chart cached, as after any first view
    with django_assert_max_num_queries(statements):
        response = member_client.get(listed, params)
    assert response.status_code == 200
    assert response.content.count(b"<tr data-phone=") == rows
