"""The OpenAPI schema where the shape alone cannot say what the API does: the schema class of
every view, and post-processing."""

from copy import deepcopy
from typing import Any

from drf_spectacular.openapi import AutoSchema

REF = "#/components/schemas/"


class FortressAutoSchema(AutoSchema):
    """DRF paginates only the GET of a list: a POST that answers several objects (the
    agencies an operation invited, the access requests one hit made) answers them as a plain
    list, and the schema says so (drf-spectacular documented them as a page)."""

    def _get_paginator(self) -> Any:
        return super()._get_paginator() if self.method == "GET" else None


def require_version_on_update(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Every PUT and PATCH whose body carries `version` requires it (a missing one answers
    400: every edit says which version it read), while the create body shares the component
    and ignores it. Such an update gets its own component, `<Name>Update`, with `version` in
    `required`."""
    schemas = result.get("components", {}).get("schemas", {})
    for operations in result.get("paths", {}).values():
        for method in ("put", "patch"):
            content = operations.get(method, {}).get("requestBody", {}).get("content", {})
            for media in content.values():
                ref = media.get("schema", {}).get("$ref", "")
                name = ref.removeprefix(REF)
                component = schemas.get(name)
                if not component or "version" not in component.get("properties", {}):
                    continue
                update_name = f"{name}Update"
                if update_name not in schemas:
                    update = deepcopy(component)
                    update["required"] = sorted({*update.get("required", []), "version"})
                    schemas[update_name] = update
                media["schema"] = {"$ref": REF + update_name}
    return result
