"""Pages of the programmes app, one module per resource:

* `overview`: the programme periods, projects, sub-projects and indicators;
* `targets`: poverty-rate targets (list, detail, form, cascading, group totals, recompute);
* `indicators`: indicator targets and achievements;
* `poverty_models`: poverty-reduction models;
* `plans`: plans and decisions (with their attached files).

Thin: the selectors scope every read (a record or unit outside the viewer's scope is a 404), the services decide
every write (a user who may read a unit but not change it gets a 403). Staff (provincial staff, administrators)
write; everyone else reads. Every page reads the caller from `request.viewer` (provinces.viewer), never the
profile itself. Shared helpers are in `common`.
"""
