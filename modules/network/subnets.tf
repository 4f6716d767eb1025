# One private subnet per zone, keyed by zone name (known at plan), its CIDR from the zone's network number (the zone
# ID's number, see locals.tf), so adding a zone never moves an existing subnet.
resource "aws_subnet" "private" {
  for_each = local.subnet_numbers

  vpc_id                  = aws_vpc.this.id
  availability_zone       = each.key
  cidr_block              = cidrsubnet(var.vpc_cidr, var.subnet_newbits, each.value)
  map_public_ip_on_launch = false
  tags                    = merge(var.tags, { Name = "${var.name}-private-${each.key}" })
}

# No internet gateway, no NAT: the only route out of the subnets is the S3 gateway endpoint's prefix list route.
resource "aws_route_table" "private" {
  vpc_id = aws_vpc.this.id
  tags   = merge(var.tags, { Name = "${var.name}-private" })
}

resource "aws_route_table_association" "private" {
  for_each = aws_subnet.private

  subnet_id      = each.value.id
  route_table_id = aws_route_table.private.id
}
