"""The upload page and the import job page (its progress polled by htmx). Thin: reads through
interchange/selectors.py, writes through interchange/services.py."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

import access
from config.errors import PolicyError
from interchange import selectors, services
from interchange.forms import ImportForm
from interchange.reading import FileRefused, check_size


@login_required
def import_upload(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = selectors.get_importable_case(request.user, case_pk)
    if not access.can_manage_indicators(request.user, case):
        raise Http404("No such page.")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            check_size(upload.size)
            job = services.import_start(
                case=case,
                by=request.user,
                data=upload.read(),
                filename=upload.name or "",
                fmt=form.cleaned_data["format"],
            )
        except FileRefused as exc:
            form.add_error("file", str(exc))
        except PolicyError:
            raise Http404("No such page.") from None
        else:
            return redirect("interchange:import_detail", pk=job.pk)
    recent = selectors.visible_import_jobs(request.user).filter(case=case)[:10]
    return render(
        request, "interchange/import_form.html", {"case": case, "form": form, "recent": recent}
    )


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.get_import_job_for_user(request.user, pk)
    template = (
        "interchange/_import_progress.html" if request.htmx else "interchange/import_detail.html"
    )
    return render(request, template, {"job": job, "case": job.case})
