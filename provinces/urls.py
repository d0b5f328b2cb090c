from django.urls import path, re_path

from provinces import views

app_name = "provinces"

CODE = r"(?P<code>\d{2,5})"

urlpatterns = [
    path("", views.browser, name="browser"),
    path("search/", views.search, name="search"),
    path("import/", views.reference_import, name="import"),
    path("import/template/<str:kind>.xlsx", views.import_template, name="import-template"),
    re_path(rf"^{CODE}/$", views.unit_page, name="unit"),
    re_path(rf"^{CODE}/children/$", views.children, name="children"),
    re_path(rf"^{CODE}/flags/$", views.flags_update, name="flags"),
    re_path(rf"^{CODE}/totals/$", views.total_set, name="totals"),
]
