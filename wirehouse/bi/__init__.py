"""BI tools over the warehouse: Apache Superset in an environment of its own, with the
warehouse registered read-only and a starter dashboard (Superset's export format, in
dashboard/). ``site`` installs, configures, starts and stops Superset; ``api`` is the part of
its REST API the recipe uses; ``dashboard`` zips the export for one warehouse file."""
