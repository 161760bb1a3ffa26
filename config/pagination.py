"""The API's pagination: a page number is a positive number of at most 19 digits (or `last`);
anything else is 404 before the paginator computes an offset from it."""

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
