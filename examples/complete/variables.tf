variable "region" {
  description = "Region to create everything in; the customization jobs run there too."
  type        = string
}

variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "bedrock-ft"
}

variable "vpc_cidr" {
  description = "IPv4 CIDR block of the VPC."
  type        = string
  default     = "10.0.0.0/16"
}

variable "availability_zones" {
  description = "Zone names to use; null means every available zone of the region."
  type        = list(string)
  default     = null
}

variable "tags" {
  description = "Tags the module puts on every resource it creates."
  type        = map(string)
  default     = {}
}

variable "default_tags" {
  description = "Tags the provider puts on every resource of this configuration."
  type        = map(string)
  default     = { Project = "bedrock-ft" }
}
