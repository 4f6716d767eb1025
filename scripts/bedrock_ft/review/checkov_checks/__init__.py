"""bedrock-ft's custom checkov checks (CKV_BFT_*), shipped inside the package and loaded by `bedrock-ft review` with
`checkov --external-checks-dir <this folder>` (see ``bedrock_ft.review.checkov_runner.checks_dir``).

Self-contained on purpose: checkov runs in its own virtual environment, in its own process, and cannot import
bedrock_ft. So nothing here imports bedrock_ft, and the checks import their helpers as the top-level module
``bft_policy`` (checkov puts this folder on sys.path). bedrock_ft never imports these modules: they need checkov.

One file per check, named for what it enforces:

- BftJobSecurityGroupSelfOnly.py     CKV_BFT_1  all-traffic security group rules reference their own group
- BftTrustConfusedDeputy.py          CKV_BFT_2  trust policies carry aws:SourceAccount and aws:SourceArn
- BftNetworkInterfaceConditions.py   CKV_BFT_3  network-interface statements carry Bedrock's tag conditions
- BftNoWildcardBucket.py             CKV_BFT_4  S3 permissions name the data bucket, never any bucket
- BftEndpointPolicyScoped.py         CKV_BFT_5  the S3 gateway endpoint has a policy scoped to the data bucket
- BftBucketPolicyTlsOnly.py          CKV_BFT_6  the bucket policy denies requests not over TLS
"""
