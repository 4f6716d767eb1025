"""The no-account sandbox: a moto server in its own process holding the same infrastructure as the Terraform module.

``moto_server`` starts and stops the server, ``policies`` builds the module's policy documents (statement for
statement), ``infrastructure`` creates the resources and writes the outputs, and ``demo`` runs the whole flow.
"""
