variable "env" {
  default = "prod"
}

resource "aws_instance" "app" {
  ami           = "ami-0abcdef1234567890"
  instance_type = lookup({ prod = "m5.large", dev = "t3.small" }, var.env)
}
