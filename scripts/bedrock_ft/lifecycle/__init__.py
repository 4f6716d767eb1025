"""After training: metrics, deployment, invocation, evaluation and cleanup of what costs money."""
