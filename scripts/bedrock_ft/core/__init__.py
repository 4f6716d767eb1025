"""The foundation every other group builds on: errors, base models, S3 URIs, IAM documents, the Terraform module's
output contract and the bounded readers."""
