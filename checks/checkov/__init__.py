"""bedrock-ft's custom checkov checks (CKV_BFT_*), loaded with `checkov --external-checks-dir checks/checkov`.

Self-contained on purpose: checkov runs in its own virtual environment and cannot import bedrock_ft.
"""
