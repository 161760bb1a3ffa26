"""Pagination: the API's (a page number is a positive number of at most 19 digits, or `last`;
anything else is 404 before the paginator computes an offset from it) and the pages' capped
count (`CappedPaginator`)."""

from math import ceil

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination

from config.ids import parse_id


class BoundedPageNumberPagination(PageNumberPagination):
    def get_page_number(self, request, paginator):
        number = super().get_page_number(request, paginator)
        if number not in self.last_page_strings and parse_id(number) is None:
            raise NotFound(_("Invalid page."))
        return number


class CappedPaginator(Paginator):
    """A page's paginator that counts at most `cap` + 1 rows (one index range, however many
    match): beyond the cap the page says "more than {cap}" (`capped`) and offers the pages
    up to it, the honest figure a count over an agency's whole data cannot give cheaply."""

    def __init__(self, object_list, per_page, *, cap: int = 1000, **kwargs) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by().values("pk")[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        return ceil(min(self.count, self.cap) / self.per_page) if self.count else 1
