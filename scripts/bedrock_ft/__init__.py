"""bedrock-ft: prepare, check and submit VPC-attached Amazon Bedrock model customization jobs.

The package is grouped by concern, and the groups are layered. A module may import from its own group, from the
groups on the lines above its own, and from this top-level module (the version and the tag this tool puts on what it
creates); never from a group on its own line or below it. ``tests/core/test_import_contract.py`` holds the rule.

1. ``core``      errors, base models, S3 URIs, IAM documents, the Terraform module's output contract, bounded readers
2. ``data``      dataset sources, templates, presets, record formats, images, generate, validate, sample datasets
   ``review``    the security review of the module, plans, policy files and live roles
3. ``job``       the AWS session, upload, preflight, submit, following jobs, the resumable run
4. ``lifecycle`` after training: metrics, deployment, invocation, evaluation, cleanup
5. ``sandbox``   the no-account emulator and the demo
6. ``cli``       the click layer: flags, output formats and exit codes; nothing below it knows of the command line
"""

__version__ = "0.1.0"

# Tag put on every job and custom model this tool creates, so `bedrock-ft list` can find them again.
CREATED_BY_TAG_KEY = "created-by"
CREATED_BY_TAG_VALUE = "bedrock-ft"
