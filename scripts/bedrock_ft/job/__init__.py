"""A job's way to AWS: the session, upload, preflight, submit, following jobs and the resumable run."""
