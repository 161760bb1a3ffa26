from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agencies import access
from cases.sections import case_sections


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    cases = access.visible_cases(request.user).select_related("agency", "lead_investigator")
    query = request.GET.get("q", "").strip()
    if query:
        cases = cases.filter(Q(reference__icontains=query) | Q(title__icontains=query))
    page = Paginator(cases, 25).get_page(request.GET.get("page"))
    return render(request, "cases/case_list.html", {"page": page, "query": query})


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = access.get_case_for_user(request.user, pk)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "can_edit": access.can_edit_case(request.user, case),
            "can_view_file": access.can_view_case_file(request.user, case),
            "sections": case_sections(request.user, case),
        },
    )
