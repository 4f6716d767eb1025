"""bedrock-ft: prepare, check and submit VPC-attached Amazon Bedrock model customization jobs.

The library modules here know nothing of the command line; ``bedrock_ft.cli`` is a thin click layer over them.
"""

__version__ = "0.1.0"

# Tag put on every job and custom model this tool creates, so `bedrock-ft list` can find them again.
CREATED_BY_TAG_KEY = "created-by"
CREATED_BY_TAG_VALUE = "bedrock-ft"
