"""The network submodule: VPC, one private subnet per zone, no internet path, the S3 gateway endpoint, the job's
security group, the default security group and flow logs."""

from __future__ import annotations

import re

from tf_static import NETWORK, ROOT, Files, blocks, document, local_values, resource, resources, texts, variable

from bedrock_ft.core.terraform_hcl import unwrap
from helpers.hcl_edit import TfFile, expression, string


def vpc_dns_problems(files: Files) -> list[str]:
    vpc = resource(files, NETWORK, "aws_vpc", "this")
    return [
        f"{key} is {vpc.get(key)!r}"
        for key in ("enable_dns_support", "enable_dns_hostnames")
        if vpc.get(key) is not True
    ]


def test_vpc_has_dns_support_and_hostnames_on(tf: Files) -> None:
    assert vpc_dns_problems(tf) == []


def dns_hostnames_off(tf: TfFile) -> None:
    tf.block("resource", "aws_vpc", "this")["enable_dns_hostnames"] = False


def test_vpc_dns_check_fails_when_hostnames_are_off(mutated) -> None:
    broken = mutated(f"{NETWORK}/vpc.tf", dns_hostnames_off)
    assert vpc_dns_problems(broken) == ["enable_dns_hostnames is False"]


def test_vpc_cidr_is_a_validated_variable(tf: Files) -> None:
    vpc = resource(tf, NETWORK, "aws_vpc", "this")
    assert unwrap(vpc["cidr_block"]) == "var.vpc_cidr"
    conditions = " ".join(v["condition"] for v in variable(tf, ROOT, "vpc_cidr")["validation"])
    assert "cidrhost(var.vpc_cidr" in conditions
    assert ">= 16" in conditions and "<= 24" in conditions


def test_one_private_subnet_per_zone_keyed_by_zone_name(tf: Files) -> None:
    subnets = resources(tf, NETWORK, "aws_subnet")
    assert [s.name for s in subnets] == ["private"]
    subnet = subnets[0].body
    assert "count" not in subnet
    assert unwrap(subnet["for_each"]) == "local.subnet_numbers"
    assert unwrap(subnet["availability_zone"]) == "each.key"
    assert subnet["map_public_ip_on_launch"] is False
    # The keys are zone names, known at plan: never an id or another computed value.
    numbers = unwrap(local_values(tf, NETWORK)["subnet_numbers"])
    assert numbers.startswith("{for zone in local.availability_zones : zone")


def test_subnet_cidrs_come_from_cidrsubnet_of_the_vpc_cidr_by_zone_id_number(tf: Files) -> None:
    # What the numbers are, zone by zone and when a zone is added, is planned in tests/terraform/network.tftest.hcl.
    subnet = resource(tf, NETWORK, "aws_subnet", "private")
    assert unwrap(subnet["cidr_block"]) == "cidrsubnet(var.vpc_cidr, var.subnet_newbits, each.value)"
    assert '"-az([0-9]+)$"' in local_values(tf, NETWORK)["subnet_numbers"]


def test_zones_default_to_every_available_zone_without_opt_in(tf: Files) -> None:
    (data,) = blocks(tf, "data", NETWORK, "aws_availability_zones")
    assert data.body["state"] == "available"
    assert data.body["filter"] == [{"name": "opt-in-status", "values": ["opt-in-not-required"]}]
    override = variable(tf, ROOT, "availability_zones")
    assert override["default"] is None and unwrap(override["type"]) == "list(string)"
    assert "data.aws_availability_zones.available.names" in local_values(tf, NETWORK)["availability_zones"]


def more_than_16_zones_problems(files: Files) -> list[str]:
    problems = []
    for folder in (ROOT, NETWORK):
        conditions = [v["condition"] for v in variable(files, folder, "availability_zones").get("validation", [])]
        if not any("length(var.availability_zones) <= 16" in c for c in conditions):
            problems.append(f"{folder or 'root'}: no validation refusing more than 16 zones")
    if local_values(files, NETWORK).get("max_job_subnets") != 16:
        problems.append("local.max_job_subnets is not 16")
    preconditions = resource(files, NETWORK, "aws_vpc", "this")["lifecycle"][0]["precondition"]
    if not any("<= local.max_job_subnets" in p["condition"] for p in preconditions):
        problems.append("no precondition on the computed zone list")
    return problems


def test_more_than_16_zones_is_refused(tf: Files) -> None:
    assert more_than_16_zones_problems(tf) == []


def zone_limit_raised_to_17(tf: TfFile) -> None:
    limit = "length(var.availability_zones) <= 16"
    validations = tf.block("variable", "availability_zones")["validation"]
    (validation,) = [v for v in validations if limit in v["condition"]]
    validation["condition"] = validation["condition"].replace(limit, "length(var.availability_zones) <= 17")


def test_zone_limit_check_fails_when_the_limit_is_raised(mutated) -> None:
    broken = mutated("variables.tf", zone_limit_raised_to_17)
    assert more_than_16_zones_problems(broken) == ["root: no validation refusing more than 16 zones"]


INTERNET_PATHS = ("aws_internet_gateway", "aws_egress_only_internet_gateway", "aws_nat_gateway", "aws_eip")


def internet_path_problems(files: Files) -> list[str]:
    problems = []
    for folder in (ROOT, NETWORK):
        for type_ in INTERNET_PATHS:
            problems += [f"{b.file}: {b.address}" for b in resources(files, folder, type_)]
        for route in resources(files, folder, "aws_route"):
            problems.append(f"{route.file}: {route.address} adds a route")
        for table in resources(files, folder, "aws_route_table"):
            if "route" in table.body:
                problems.append(f"{table.file}: {table.address} has inline routes")
    return problems


def test_no_internet_gateway_or_nat(tf: Files) -> None:
    assert internet_path_problems(tf) == []


def an_internet_gateway(tf: TfFile) -> None:
    tf.add_block("resource", "aws_internet_gateway", "this", vpc_id=expression("aws_vpc.this.id"))


def test_internet_path_check_fails_on_an_internet_gateway(mutated) -> None:
    broken = mutated(f"{NETWORK}/subnets.tf", an_internet_gateway)
    assert internet_path_problems(broken) == [f"{NETWORK}/subnets.tf: aws_internet_gateway.this"]


def test_every_subnet_is_associated_with_a_route_table(tf: Files) -> None:
    (association,) = resources(tf, NETWORK, "aws_route_table_association")
    assert unwrap(association.body["for_each"]) == "aws_subnet.private"
    assert unwrap(association.body["subnet_id"]) == "each.value.id"
    assert unwrap(association.body["route_table_id"]) == "aws_route_table.private.id"


def test_s3_endpoint_is_a_gateway_on_the_route_table_named_from_partition_and_region(tf: Files) -> None:
    endpoint = resource(tf, NETWORK, "aws_vpc_endpoint", "s3")
    assert endpoint["vpc_endpoint_type"] == "Gateway"
    assert endpoint["service_name"] == "${data.aws_partition.current.reverse_dns_prefix}.${local.region}.s3"
    assert unwrap(local_values(tf, NETWORK)["region"]) == "data.aws_region.current.region"
    assert endpoint["route_table_ids"] == ["${aws_route_table.private.id}"]
    assert unwrap(endpoint["policy"]) == "data.aws_iam_policy_document.s3_endpoint.json"


BUCKET_RESOURCES = {"${var.bucket_arn}", "${var.bucket_arn}/*"}


def endpoint_policy_problems(files: Files) -> list[str]:
    problems = []
    for st in document(files, NETWORK, "s3_endpoint").statements:
        if st["effect"] != "Allow":
            continue
        extra = set(st["resources"]) - BUCKET_RESOURCES
        if extra or not st["resources"]:
            problems.append(f"{st['sid']}: resources beyond the data bucket: {sorted(extra)}")
        if any(a in ("*", "s3:*") for a in st["actions"]):
            problems.append(f"{st['sid']}: wildcard action")
        if st["not_resources"] or st["not_actions"]:
            problems.append(f"{st['sid']}: NotResource/NotAction")
    return problems


def test_s3_endpoint_policy_allows_only_the_data_bucket(tf: Files) -> None:
    assert endpoint_policy_problems(tf) == []
    (st,) = document(tf, NETWORK, "s3_endpoint").statements
    assert st["conditions"] == {"StringEquals": {"aws:PrincipalAccount": ["${local.account_id}"]}}


def endpoint_policy_for_any_bucket(tf: TfFile) -> None:
    tf.statement("s3_endpoint", "ReadAndWriteTheDataBucketOnly")["resources"] = [string("*")]


def test_endpoint_policy_check_fails_on_any_bucket(mutated) -> None:
    broken = mutated(f"{NETWORK}/endpoints.tf", endpoint_policy_for_any_bucket)
    assert endpoint_policy_problems(broken) == [
        "ReadAndWriteTheDataBucketOnly: resources beyond the data bucket: ['*']"
    ]


def test_job_security_group_allows_all_protocols_from_and_to_itself(tf: Files) -> None:
    for type_, name in (
        ("aws_vpc_security_group_ingress_rule", "job_from_self"),
        ("aws_vpc_security_group_egress_rule", "job_to_self"),
    ):
        rule = resource(tf, NETWORK, type_, name)
        assert rule["ip_protocol"] == "-1", name
        assert unwrap(rule["security_group_id"]) == "aws_security_group.job.id"
        assert unwrap(rule["referenced_security_group_id"]) == "aws_security_group.job.id"


def test_job_security_group_allows_https_out_to_the_endpoint_prefix_list_only(tf: Files) -> None:
    rule = resource(tf, NETWORK, "aws_vpc_security_group_egress_rule", "job_to_s3")
    assert (rule["ip_protocol"], rule["from_port"], rule["to_port"]) == ("tcp", 443, 443)
    assert unwrap(rule["prefix_list_id"]) == "aws_vpc_endpoint.s3.prefix_list_id"
    assert "cidr_ipv4" not in rule and "cidr_ipv6" not in rule
    job = "${aws_security_group.job.id}"  # the runtime endpoint's own group is checked in test_lifecycle.py
    rules = {
        direction: {
            b.name
            for b in resources(tf, NETWORK, f"aws_vpc_security_group_{direction}_rule")
            if b.body["security_group_id"] == job
        }
        for direction in ("egress", "ingress")
    }
    egress, ingress = rules["egress"], rules["ingress"]
    assert (egress, ingress) == ({"job_to_self", "job_to_s3"}, {"job_from_self"})
    assert not any("pl-" in text for text in texts(tf).values()), "a hard-coded prefix list id"


def sg_rule_problems(files: Files) -> list[str]:
    problems = []
    for group in resources(files, NETWORK, "aws_security_group"):
        problems += [f"{group.address}: inline {k}" for k in ("ingress", "egress") if k in group.body]
        if not group.body.get("description"):
            problems.append(f"{group.address}: no description")
    for type_ in ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"):
        for rule in resources(files, NETWORK, type_):
            if not str(rule.body.get("description", "")).strip():
                problems.append(f"{rule.address}: no description")
    problems += [b.address for b in resources(files, NETWORK, "aws_security_group_rule")]
    return problems


def test_security_group_rules_are_standalone_and_described(tf: Files) -> None:
    assert sg_rule_problems(tf) == []


def s3_rule_without_description(tf: TfFile) -> None:
    del tf.block("resource", "aws_vpc_security_group_egress_rule", "job_to_s3")["description"]


def test_rule_description_check_fails_without_a_description(mutated) -> None:
    broken = mutated(f"{NETWORK}/security_group.tf", s3_rule_without_description)
    assert sg_rule_problems(broken) == ["aws_vpc_security_group_egress_rule.job_to_s3: no description"]


OPEN_CIDR = re.compile(r"0\.0\.0\.0/0|::/0")


def open_cidr_problems(files: Files) -> list[str]:
    return [rel for rel, text in texts(files).items() if OPEN_CIDR.search(text)]


def test_no_open_cidr_anywhere(tf: Files) -> None:
    assert open_cidr_problems(tf) == []


def https_to_the_internet(tf: TfFile) -> None:
    rule = tf.block("resource", "aws_vpc_security_group_egress_rule", "job_to_s3")
    del rule["prefix_list_id"]
    rule["cidr_ipv4"] = string("0.0.0.0/0")


def test_open_cidr_check_fails_on_0_0_0_0(mutated) -> None:
    broken = mutated(f"{NETWORK}/security_group.tf", https_to_the_internet)
    assert open_cidr_problems(broken) == [f"{NETWORK}/security_group.tf"]


def test_default_security_group_is_taken_over_with_no_rules(tf: Files) -> None:
    (default,) = resources(tf, NETWORK, "aws_default_security_group")
    assert unwrap(default.body["vpc_id"]) == "aws_vpc.this.id"
    assert "ingress" not in default.body and "egress" not in default.body


def test_flow_logs_are_on_by_default_with_retention_and_kms_and_a_switch(tf: Files) -> None:
    switch = variable(tf, ROOT, "flow_logs_enabled")
    assert switch["default"] is True and switch["type"] == "bool"
    retention = variable(tf, ROOT, "flow_log_retention_days")
    assert retention["default"] == 365 and "contains([1, 3, 5, 7, 14, 30" in retention["validation"][0]["condition"]
    group = resource(tf, NETWORK, "aws_cloudwatch_log_group", "flow_logs")
    assert unwrap(group["count"]) == "var.flow_logs_enabled ? 1 : 0"
    assert unwrap(group["retention_in_days"]) == "var.flow_log_retention_days"
    assert unwrap(group["kms_key_id"]) == "var.kms_key_arn"
    flow_log = resource(tf, NETWORK, "aws_flow_log", "this")
    assert unwrap(flow_log["count"]) == "var.flow_logs_enabled ? 1 : 0"
    assert unwrap(flow_log["vpc_id"]) == "aws_vpc.this.id"
    assert unwrap(flow_log["log_destination"]) == "aws_cloudwatch_log_group.flow_logs[0].arn"


FLOW_LOG_KMS_MESSAGE = (
    "flow logs need a KMS key: keep create_kms_key = true, pass kms_key_arn, or set flow_logs_enabled = false."
)


def flow_log_kms_problems(files: Files) -> list[str]:
    """How the flow-log group's KMS precondition is wired; what it refuses is planned in mocked.tftest.hcl."""
    problems = []
    use_kms = variable(files, NETWORK, "use_kms")
    if use_kms["type"] != "bool" or "default" in use_kms:
        problems.append("network's use_kms must be a required bool")
    group = resource(files, NETWORK, "aws_cloudwatch_log_group", "flow_logs")
    preconditions = [p for lifecycle in group.get("lifecycle", []) for p in lifecycle.get("precondition", [])]
    # On the plan-time boolean, never on the key ARN: that is unknown until the key is created.
    if not any(unwrap(p["condition"]) == "var.use_kms" for p in preconditions):
        problems.append("the flow-log group has no precondition on var.use_kms")
    if not any(p["error_message"] == FLOW_LOG_KMS_MESSAGE for p in preconditions):
        problems.append("the flow-log group's precondition does not say how to fix it")
    (network_call,) = [b.body for b in blocks(files, "module", ROOT) if b.name == "network"]
    passed = unwrap(network_call.get("use_kms", "null"))
    if passed != "local.use_kms":
        problems.append(f"network's use_kms is {passed!r}, not local.use_kms")
    if unwrap(local_values(files, ROOT)["use_kms"]) != "var.create_kms_key || var.kms_key_arn != null":
        problems.append("the root's local.use_kms is not decided from create_kms_key and kms_key_arn")
    return problems


def test_flow_logs_without_a_kms_key_are_refused_at_plan(tf: Files) -> None:
    assert flow_log_kms_problems(tf) == []


def flow_logs_without_the_kms_precondition(tf: TfFile) -> None:
    (lifecycle,) = tf.block("resource", "aws_cloudwatch_log_group", "flow_logs")["lifecycle"]
    kept = [p for p in lifecycle["precondition"] if p["condition"] != expression("var.use_kms")]
    assert len(kept) == len(lifecycle["precondition"]) - 1
    lifecycle["precondition"] = kept


def test_flow_log_kms_check_fails_without_the_precondition(mutated) -> None:
    broken = mutated(f"{NETWORK}/flow_logs.tf", flow_logs_without_the_kms_precondition)
    assert flow_log_kms_problems(broken) == [
        "the flow-log group has no precondition on var.use_kms",
        "the flow-log group's precondition does not say how to fix it",
    ]


def flow_logs_precondition_on_the_key_arn(tf: TfFile) -> None:
    (lifecycle,) = tf.block("resource", "aws_cloudwatch_log_group", "flow_logs")["lifecycle"]
    (on_use_kms,) = [p for p in lifecycle["precondition"] if p["condition"] == expression("var.use_kms")]
    on_use_kms["condition"] = expression("var.kms_key_arn != null")


def test_flow_log_kms_check_fails_on_a_precondition_on_the_key_arn(mutated) -> None:
    # var.kms_key_arn is unknown at plan when the module creates the key: the check would only fail at apply.
    broken = mutated(f"{NETWORK}/flow_logs.tf", flow_logs_precondition_on_the_key_arn)
    assert flow_log_kms_problems(broken)[0] == "the flow-log group has no precondition on var.use_kms"


def network_use_kms_always_true(tf: TfFile) -> None:
    tf.block("module", "network")["use_kms"] = True


def test_flow_log_kms_check_fails_when_use_kms_is_not_passed_down(mutated) -> None:
    broken = mutated("main.tf", network_use_kms_always_true)
    assert flow_log_kms_problems(broken) == ["network's use_kms is True, not local.use_kms"]


def test_flow_log_role_trusts_only_this_accounts_flow_logs(tf: Files) -> None:
    (st,) = document(tf, NETWORK, "flow_logs_trust").statements
    assert st["principals"] == {"Service": ["vpc-flow-logs.amazonaws.com"]}
    assert st["conditions"]["StringEquals"] == {"aws:SourceAccount": ["${local.account_id}"]}
    assert "aws:SourceArn" in st["conditions"]["ArnLike"]
    (write,) = document(tf, NETWORK, "flow_logs_write").statements
    assert all("log-group:${local.flow_log_group_name}" in r for r in write["resources"])


def test_subnet_ids_output_follows_zone_order(tf: Files) -> None:
    outputs = {b.name: b.body for b in blocks(tf, "output", NETWORK)}
    assert (
        unwrap(outputs["subnet_ids"]["value"]) == "[for zone in local.availability_zones : aws_subnet.private[zone].id]"
    )
    assert unwrap(outputs["availability_zones"]["value"]) == "local.availability_zones"
