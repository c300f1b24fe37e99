locals {
  env           = "prod"
  instance_type = "r6i.large" // memory heavy
}

resource "aws_instance" "db" {
  ami           = "ami-0abcdef1234567890"
  instance_type = local.instance_type
  tags          = { Env = local.env }
}
